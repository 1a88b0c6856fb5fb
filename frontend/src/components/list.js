// List controls. A column header that sorts its list: the server sorts (`sort=`), in the one direction it
// knows for that key; the header says which column the list follows (aria-sort).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getLanguage, t } from '../i18n/index.js';
import { listShown } from './focus.js';

export function SortHeader({ label, by, sort, onSort, className, direction = 'ascending' }) {
  if (!by) return html`<th scope="col" class=${className}>${label}</th>`;
  const active = sort === by;
  return html`
    <th scope="col" class=${className} aria-sort=${active ? direction : undefined}>
      <button type="button" class="sort-button" onClick=${() => onSort(by)}>
        ${label}<span aria-hidden="true" class="sort-mark">${active ? (direction === 'ascending' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>`;
}

/** How many rows a list holds, said politely when it changes: while the list loads again the
 * last count stays (no emptying and refilling that a screen reader would read out each time).
 * It is where the skip link to the results lands. With `estimate` (the server stopped counting
 * at its bound: `total_is_estimate`) it reads "meer dan 1.000 aanvragen" (`<words>_more`). */
export function ListCount({ total, loading, estimate = false, words = 'overview.count' }) {
  const last = useRef('');
  useEffect(() => {
    listShown(1);
    return () => listShown(-1);
  }, []);
  if (!loading && total != null) last.current = countText(words, total, estimate);
  return html`<p role="status" id="results" tabindex="-1" class="hint list-count">${last.current}</p>`;
}

/** The filter form of a list, folded behind a "Filters" button at every width, so the list
 * is on the first screen and a few Tab stops away (not behind forty filter fields).
 * `active`: how many filters are set (shown on the button, e.g. "Filters (2)"). */
export function FilterPanel({ id = 'filters', active = 0, onSubmit, children }) {
  const [open, setOpen] = useState(false);
  return html`
    <div class="filter-panel">
      <button type="button" class="filters-toggle" aria-expanded=${open ? 'true' : 'false'} aria-controls=${id}
        onClick=${() => setOpen(!open)}>${t('list.filters')}${active ? ` (${active})` : ''}</button>
      <form id=${id} class=${open ? 'filters open' : 'filters'} role="search" onSubmit=${(event) => {
        event.preventDefault();
        onSubmit?.(event);
      }}>${children}</form>
    </div>`;
}

/** "1.000 aanvragen" (the number as the language writes it), or "meer dan 1.000 aanvragen"
 * when the server stopped counting (`estimate`). */
export function countText(words, total, estimate = false) {
  const number = total.toLocaleString(getLanguage() === 'nl' ? 'nl-BE' : 'en-GB');
  if (estimate) return t(`${words}_more`, { count: number });
  return t(words, { count: total === 1 ? 1 : number });
}

// List controls. A column header that sorts its list: the server sorts (`sort=`), in the one direction it
// knows for that key; the header says which column the list follows (aria-sort).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { t } from '../i18n/index.js';

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

/** The filter form of a list; on a phone it folds away behind a "Filters" button, so the
 * list is on the first screen. `active`: how many filters are set (shown on the button). */
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

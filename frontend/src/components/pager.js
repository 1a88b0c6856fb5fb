// Previous / next for a paginated list, with "Pagina 2 van 7" between them. At the first or
// last page the button says it does nothing (aria-disabled) but keeps its focus: a keyboard
// user who pages to the end is not dropped to the top of the document. The request lists
// count their total up to a bound (`total_is_estimate`: more than `total` match): then the
// last page is not known and "next" stays open.
import { html } from '../html.js';
import { t } from '../i18n/index.js';

export function Pager({ page, pageSize, total, estimate = false, onPage }) {
  const pages = Math.max(1, Math.ceil((total ?? 0) / pageSize));
  if (pages <= 1 && !estimate) return null;
  const last = estimate ? Number.POSITIVE_INFINITY : pages;
  const go = (to) => () => to >= 1 && to <= last && onPage(to);
  const where = estimate
    ? t('common.page_of_more', { page, pages: Math.max(pages, page) })
    : t('common.page_of', { page, pages });
  return html`
    <nav class="pager" aria-label=${t('common.pages')}>
      <button type="button" aria-disabled=${page <= 1 ? 'true' : undefined} onClick=${go(page - 1)}>${t('common.previous')}</button>
      <span>${where}</span>
      <button type="button" aria-disabled=${page >= last ? 'true' : undefined} onClick=${go(page + 1)}>${t('common.next')}</button>
    </nav>`;
}

// Previous / next for a paginated list, with "Pagina 2 van 7" between them. The request lists
// count their total up to a bound (`total_is_estimate`: more than `total` match): then the
// last page is not known and "next" stays open.
import { html } from '../html.js';
import { getLanguage, t } from '../i18n/index.js';

export function Pager({ page, pageSize, total, estimate = false, onPage }) {
  const pages = Math.max(1, Math.ceil((total ?? 0) / pageSize));
  if (pages <= 1 && !estimate) return null;
  const last = !estimate && page >= pages;
  const where = estimate
    ? t('common.page_of_more', { page, pages: Math.max(pages, page) })
    : t('common.page_of', { page, pages });
  return html`
    <nav class="pager" aria-label=${t('common.pages')}>
      <button type="button" disabled=${page <= 1} onClick=${() => onPage(page - 1)}>${t('common.previous')}</button>
      <span>${where}</span>
      <button type="button" disabled=${last} onClick=${() => onPage(page + 1)}>${t('common.next')}</button>
    </nav>`;
}

/** "1.000 aanvragen", or "meer dan 1.000 aanvragen" when the server stopped counting
 * (`page.total_is_estimate`). `page` is a list's answer; `shown` counts its rows without one. */
export function countText(page, shown) {
  const count = page?.total ?? shown;
  const number = count.toLocaleString(getLanguage() === 'nl' ? 'nl-BE' : 'en-GB');
  if (page?.total_is_estimate) return t('overview.count_more', { count: number });
  return t('overview.count', { count: count === 1 ? 1 : number });
}

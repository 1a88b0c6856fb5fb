// Previous / next for a paginated list, with "Pagina 2 van 7" between them. At the first or
// last page the button says it does nothing (aria-disabled) but keeps its focus: a keyboard
// user who pages to the end is not dropped to the top of the document.
import { html } from '../html.js';
import { t } from '../i18n/index.js';

export function Pager({ page, pageSize, total, onPage }) {
  const pages = Math.max(1, Math.ceil((total ?? 0) / pageSize));
  if (pages <= 1) return null;
  const go = (to) => () => to >= 1 && to <= pages && onPage(to);
  return html`
    <nav class="pager" aria-label=${t('common.pages')}>
      <button type="button" aria-disabled=${page <= 1 ? 'true' : undefined} onClick=${go(page - 1)}>${t('common.previous')}</button>
      <span>${t('common.page_of', { page, pages })}</span>
      <button type="button" aria-disabled=${page >= pages ? 'true' : undefined} onClick=${go(page + 1)}>${t('common.next')}</button>
    </nav>`;
}

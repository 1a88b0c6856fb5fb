// Previous / next for a paginated list, with "Pagina 2 van 7" between them.
import { html } from '../html.js';
import { t } from '../i18n/index.js';

export function Pager({ page, pageSize, total, onPage }) {
  const pages = Math.max(1, Math.ceil((total ?? 0) / pageSize));
  if (pages <= 1) return null;
  return html`
    <nav class="pager" aria-label=${t('common.pages')}>
      <button type="button" disabled=${page <= 1} onClick=${() => onPage(page - 1)}>${t('common.previous')}</button>
      <span>${t('common.page_of', { page, pages })}</span>
      <button type="button" disabled=${page >= pages} onClick=${() => onPage(page + 1)}>${t('common.next')}</button>
    </nav>`;
}

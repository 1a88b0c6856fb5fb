// The mail outbox and the audit log: read-only, newest first.
import { useState } from 'preact/hooks';
import { get } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { errorText } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatDateTime } from '../../lib/format.js';

function Paged({ path, params, head, row, title }) {
  const [page, setPage] = useState(1);
  const list = useLoad(() => get(path, { ...params, page, page_size: 50 }), [page, JSON.stringify(params)]);
  const rows = items(list.data);
  const total = list.data?.total ?? 0;
  if (list.error) return html`<${Alert}>${errorText(list.error.code, list.error.detail)}</${Alert}>`;
  if (list.loading && !list.data) return html`<${Loading} />`;
  return html`
    <div class="table-wrap" tabindex="0">
      <table><caption class="visually-hidden">${title}</caption>
        <thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
        <tbody>${rows.map(row)}</tbody>
      </table>
    </div>
    <nav class="pager" aria-label=${t('common.pages')}>
      <button type="button" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>${t('common.previous')}</button>
      <span>${t('common.page_of', { page, pages: Math.max(1, Math.ceil(total / 50)) })}</span>
      <button type="button" disabled=${page * 50 >= total} onClick=${() => setPage(page + 1)}>${t('common.next')}</button>
    </nav>`;
}

export function Outbox() {
  const [pendingOnly, setPendingOnly] = useState(false);
  return html`
    <${Page} title=${t('nav.outbox')} wide>
      <label class="choice"><input type="checkbox" checked=${pendingOnly} onChange=${(e) => setPendingOnly(e.currentTarget.checked)} /> ${t('outbox.pending_only')}</label>
      <${Paged} path="/admin/outbox" params=${{ pending_only: pendingOnly || undefined }} title=${t('nav.outbox')}
        head=${[t('outbox.created'), t('outbox.to'), t('outbox.subject'), t('field.status')]}
        row=${(m) => html`<tr key=${m.id}><td>${formatDateTime(m.created_at)}</td><td>${m.to_address}</td><td>${m.subject}</td>
          <td>${m.sent_at ? t('outbox.sent', { at: formatDateTime(m.sent_at) }) : m.failed_at ? t('outbox.failed', { error: m.last_error ?? '' }) : t('outbox.waiting', { attempts: m.attempts })}</td></tr>`} />
    </${Page}>`;
}

export function Audit() {
  return html`
    <${Page} title=${t('nav.audit')} wide>
      <${Paged} path="/admin/audit" params=${{}} title=${t('nav.audit')}
        head=${[t('audit.at'), t('audit.action'), t('audit.object'), t('audit.address'), t('audit.details')]}
        row=${(a) => html`<tr key=${a.id}><td>${formatDateTime(a.at)}</td><td>${a.action}</td><td>${a.object_type ?? ''} ${a.object_id ?? ''}</td>
          <td>${a.client_address ?? ''}</td><td><code>${JSON.stringify(a.details)}</code></td></tr>`} />
    </${Page}>`;
}

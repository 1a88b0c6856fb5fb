// The mail outbox and the audit log: read-only, newest first.
import { useState } from 'preact/hooks';
import { get, getAll } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { errorText } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { Pager } from '../../components/pager.js';
import { html } from '../../html.js';
import { has, t } from '../../i18n/index.js';
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
    <${Pager} page=${page} pageSize=${50} total=${total} onPage=${setPage} />`;
}

/** The server's status of a mail, with the error that failed it or delays it. */
function outboxStatus(m) {
  if (m.status === 'sent') return t('outbox.sent', { at: formatDateTime(m.sent_at) });
  if (m.status === 'failed') return t('outbox.failed', { error: m.last_error ?? '' });
  if (m.status === 'retrying') return t('outbox.retrying', { attempts: m.attempts, error: m.last_error ?? '' });
  return t('outbox.waiting', { attempts: m.attempts });
}

export function Outbox() {
  const [pendingOnly, setPendingOnly] = useState(false);
  return html`
    <${Page} title=${t('nav.outbox')} wide>
      <label class="choice"><input type="checkbox" checked=${pendingOnly} onChange=${(e) => setPendingOnly(e.currentTarget.checked)} /> ${t('outbox.pending_only')}</label>
      <${Paged} path="/admin/outbox" params=${{ pending_only: pendingOnly || undefined }} title=${t('nav.outbox')}
        head=${[t('outbox.created'), t('outbox.to'), t('outbox.subject'), t('field.status')]}
        row=${(
          m,
        ) => html`<tr key=${m.id}><td>${formatDateTime(m.created_at)}</td><td>${m.to_address}</td><td>${m.subject}</td>
          <td>${outboxStatus(m)}</td></tr>`} />
    </${Page}>`;
}

/** An audit code in words; a code the catalog does not know yet stays readable as it is. */
function word(prefix, code) {
  return code && has(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : (code ?? '');
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function detailValue(key, value) {
  if (key === 'kind' || key === 'track') return word(key, value);
  // An export names every row it held: the count, and the ids on request.
  if (key === 'request_ids' && Array.isArray(value)) {
    return html`<details><summary>${t('audit.request_ids', { count: value.length })}</summary>${value.join(', ')}</details>`;
  }
  if (key === 'via') return word('audit_via', value);
  if (typeof value === 'string' && INSTANT.test(value)) return formatDateTime(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : v)).join(', ');
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The details of an entry as "key: value" pairs instead of raw JSON. */
function Details({ details }) {
  const entries = Object.entries(details || {});
  if (!entries.length) return '';
  return html`<ul class="plain">${entries.map(
    ([key, value]) => html`
    <li>${word('audit_detail', key)}: ${detailValue(key, value)}</li>`,
  )}</ul>`;
}

export function Audit() {
  // The log names organisations by id; the admin's list of them gives the names.
  const organisations = useLoad(() => getAll('/organisations', {}), []);
  const names = Object.fromEntries(items(organisations.data).map((o) => [o.id, o.name]));
  return html`
    <${Page} title=${t('nav.audit')} wide>
      <${Paged} path="/admin/audit" params=${{}} title=${t('nav.audit')}
        head=${[t('audit.at'), t('audit.who'), t('audit.action'), t('audit.object'), t('audit.address'), t('audit.details')]}
        row=${(a) => html`<tr key=${a.id}><td>${formatDateTime(a.at)}</td>
          <td>${names[a.actor_organisation_id] ?? (a.actor_organisation_id ? '' : t('audit.nobody'))}</td>
          <td>${word('audit_action', a.action)}</td>
          <td>${word('audit_object', a.object_type)}</td>
          <td>${a.client_address ?? ''}</td><td><${Details} details=${a.details} /></td></tr>`} />
    </${Page}>`;
}

// The mail outbox and the audit log: read-only, newest first; their filters and page live in
// the address (reload and back keep them). A mail of the outbox opens as its recipient reads it.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, getAll } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { errorText, SelectField, TextField } from '../../components/field.js';
import { FilterPanel } from '../../components/list.js';
import { useLoad } from '../../components/load.js';
import { Loading, notLoaded, Page } from '../../components/page.js';
import { Pager } from '../../components/pager.js';
import { html } from '../../html.js';
import { codesUnder, has, t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatDateTime } from '../../lib/format.js';
import { useQueryState } from '../../router.js';

function Paged({ path, params, head, row, title, page, onPage, fold = (rows) => rows }) {
  const list = useLoad(() => get(path, { ...params, page, page_size: 50 }), [page, JSON.stringify(params)]);
  const rows = fold(items(list.data));
  const total = list.data?.total ?? 0;
  if (list.error) return html`<${Alert}>${errorText(list.error.code, list.error.detail)}</${Alert}>`;
  if (list.loading && !list.data) return html`<${Loading} />`;
  return html`
    <div class="table-wrap" tabindex="0">
      <table class="cards"><caption class="visually-hidden">${title}</caption>
        <thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
        <tbody>${rows.map(
          (entry) =>
            html`<tr key=${entry.id}>${row(entry).map(
              (cell, n) =>
                html`<td class=${n === 0 ? 'card-title' : undefined} data-label=${n === 0 ? undefined : head[n]}>${cell}</td>`,
            )}</tr>`,
        )}</tbody>
      </table>
    </div>
    <${Pager} page=${page} pageSize=${50} total=${total} onPage=${onPage} />`;
}

/** The server's status of a mail, with the error that failed it or delays it. */
function outboxStatus(m) {
  if (m.status === 'sent') return t('outbox.sent', { at: formatDateTime(m.sent_at) });
  if (m.status === 'failed') return t('outbox.failed', { error: m.last_error ?? '' });
  if (m.status === 'retrying') return t('outbox.retrying', { attempts: m.attempts, error: m.last_error ?? '' });
  return t('outbox.waiting', { attempts: m.attempts });
}

export function Outbox({ search }) {
  const [shown, setShown] = useQueryState(search, { pending: '', page: '1' });
  const pendingOnly = shown.pending === '1';
  return html`
    <${Page} title=${t('nav.outbox')} wide>
      <label class="choice"><input type="checkbox" checked=${pendingOnly}
        onChange=${(e) => setShown({ pending: e.currentTarget.checked ? '1' : '', page: '1' })} /> ${t('outbox.pending_only')}</label>
      <${Paged} path="/admin/outbox" params=${{ pending_only: pendingOnly || undefined }} title=${t('nav.outbox')}
        page=${Number(shown.page) || 1} onPage=${(page) => setShown({ page: String(page) })}
        head=${[t('outbox.created'), t('outbox.to'), t('outbox.subject'), t('field.status')]}
        row=${(m) => [formatDateTime(m.created_at), m.to_address, html`<a href=${`/admin/outbox/${m.id}`}>${m.subject}</a>`, outboxStatus(m)]} />
    </${Page}>`;
}

/** The mail's HTML as an HTML document for a frame: nothing in it may run or load, and its
 * inline styles wait in `data-mail-style`. The page's policy (style-src 'self') also governs a
 * srcdoc frame (and DOMParser) and would refuse them; `restyle` puts them back through the
 * CSSOM, which it allows. The rename is textual, before any parsing: in the mail's text a `"`
 * is always escaped, so ` style="` only occurs in its tags. */
export function previewDocument(body) {
  const doc = new DOMParser().parseFromString(body.replace(/\sstyle="/gi, ' data-mail-style="'), 'text/html');
  for (const el of doc.querySelectorAll('script, style, iframe, object, embed, form, base, link, meta[http-equiv]'))
    el.remove();
  // A link opens outside the frame (the site's pages refuse to be framed).
  for (const a of doc.querySelectorAll('a[href]')) {
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noopener noreferrer');
  }
  return `<!doctype html>${doc.documentElement.outerHTML}`;
}

function restyle(frame) {
  const inner = frame?.contentDocument;
  if (!inner) return;
  for (const el of inner.querySelectorAll('[data-mail-style]')) el.style.cssText = el.getAttribute('data-mail-style');
  frame.style.height = `${inner.documentElement.scrollHeight + 4}px`;
}

/** The HTML part in a sandboxed frame: no scripts (no allow-scripts), links in a new tab. */
function MailPreview({ body, title }) {
  const frame = useRef(null);
  const srcdoc = useMemo(() => previewDocument(body), [body]);
  return html`<iframe ref=${frame} class="mail-preview" title=${title} srcdoc=${srcdoc}
    sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox" onLoad=${() => restyle(frame.current)}></iframe>`;
}

/** One mail of the outbox: its facts, its HTML part as the recipient sees it, its text part.
 * The server has replaced the token of an activation or reset link by "[link verborgen]". */
export function OutboxMail({ params }) {
  const mail = useLoad(() => get(`/admin/outbox/${params.id}`), [params.id]);
  const back = html`<a href="/admin/outbox">${t('outbox.back')}</a>`;
  const waiting = notLoaded(mail, t('outbox.mail_title'), back);
  if (waiting) return waiting;
  const m = mail.data;
  return html`
    <${Page} title=${m.subject} wide>
      <dl class="facts card">
        <dt>${t('outbox.to')}</dt><dd>${m.to_address}</dd>
        <dt>${t('outbox.created')}</dt><dd>${formatDateTime(m.created_at)}</dd>
        <dt>${t('field.status')}</dt><dd>${outboxStatus(m)}</dd>
        <dt>${t('outbox.language')}</dt><dd>${m.language}</dd>
        <dt>${t('outbox.template')}</dt><dd>${m.template}</dd>
      </dl>
      <p class="hint">${t('outbox.secrets_hidden')}</p>
      <h2>${t('outbox.html_part')}</h2>
      <${MailPreview} body=${m.body_html} title=${t('outbox.html_part')} />
      <h2>${t('outbox.text_part')}</h2>
      <pre class="mail-text" tabindex="0">${m.body_text}</pre>
      <p>${back}</p>
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

// Consecutive sign-ins of one organisation fold into one line with their count (on a page).
const FOLDED = new Set(['login']);

/** The page's entries with each run of sign-ins by one organisation as one entry: the
 * newest's time, `count` and the oldest's time (`since`). Pure. */
export function foldSignIns(entries) {
  const folded = [];
  for (const entry of entries) {
    const last = folded[folded.length - 1];
    const same = last && FOLDED.has(entry.action) && last.action === entry.action;
    if (same && last.actor_organisation_id === entry.actor_organisation_id) {
      folded[folded.length - 1] = { ...last, count: last.count + 1, since: entry.at };
    } else folded.push({ ...entry, count: 1, since: entry.at });
  }
  return folded;
}

const NO_AUDIT_FILTERS = { who: '', action: '', since: '', until: '' };

function AuditFilters({ shown, setShown, organisations }) {
  const [draft, setDraft] = useState(shown);
  useEffect(() => setDraft(shown), [JSON.stringify(shown)]);
  const set = (name) => (value) => setDraft((d) => ({ ...d, [name]: value }));
  const actions = codesUnder('audit_action').map((code) => ({ value: code, label: t(`audit_action.${code}`) }));
  const active = Object.keys(NO_AUDIT_FILTERS).filter((name) => shown[name]).length;
  return html`
    <${FilterPanel} active=${active} onSubmit=${() => setShown({ ...draft, page: '1' })}>
      <${SelectField} id="who" label=${t('audit.who')} value=${draft.who} onChange=${set('who')} placeholder=${t('common.all')}
        options=${organisations.map((o) => ({ value: o.id, label: o.name }))} />
      <${SelectField} id="action" label=${t('audit.action')} value=${draft.action} onChange=${set('action')}
        placeholder=${t('common.all')} options=${actions} />
      <${TextField} id="since" type="date" label=${t('audit.since')} value=${draft.since} onInput=${set('since')} />
      <${TextField} id="until" type="date" label=${t('audit.until')} value=${draft.until} onInput=${set('until')} />
      <div class="actions field">
        <button type="submit" class="primary">${t('overview.search_button')}</button>
        <button type="button" onClick=${() => setShown({ ...NO_AUDIT_FILTERS, page: '1' })}>${t('service.clear_filters')}</button>
      </div>
    </${FilterPanel}>`;
}

function AuditAt({ entry }) {
  if (entry.count === 1) return formatDateTime(entry.at);
  return html`${formatDateTime(entry.at)}<br /><span class="hint">${t('audit.folded', { count: entry.count, since: formatDateTime(entry.since) })}</span>`;
}

export function Audit({ search }) {
  // The log names organisations by id; the admin's list of them gives the names.
  const organisations = useLoad(() => getAll('/organisations', {}), []);
  const known = items(organisations.data);
  const names = Object.fromEntries(known.map((o) => [o.id, o.name]));
  const [shown, setShown] = useQueryState(search, { ...NO_AUDIT_FILTERS, page: '1' });
  const params = {
    actor_organisation_id: shown.who,
    action: shown.action,
    since: shown.since,
    until: shown.until,
  };
  return html`
    <${Page} title=${t('nav.audit')} wide>
      <${AuditFilters} shown=${shown} setShown=${setShown} organisations=${known} />
      <${Paged} path="/admin/audit" params=${params} title=${t('nav.audit')} fold=${foldSignIns}
        page=${Number(shown.page) || 1} onPage=${(page) => setShown({ page: String(page) })}
        head=${[t('audit.at'), t('audit.who'), t('audit.action'), t('audit.object'), t('audit.address'), t('audit.details')]}
        row=${(a) => [
          html`<${AuditAt} entry=${a} />`,
          names[a.actor_organisation_id] ?? (a.actor_organisation_id ? '' : t('audit.nobody')),
          `${word('audit_action', a.action)}${a.count > 1 ? ` (${a.count}×)` : ''}`,
          word('audit_object', a.object_type),
          a.client_address ?? '',
          html`<${Details} details=${a.details} />`,
        ]} />
    </${Page}>`;
}

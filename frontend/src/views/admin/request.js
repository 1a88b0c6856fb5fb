// One request as the admin sees it: everything but the national number, phone and e-mail,
// which show only after an audited reveal with a reason; and the pupil's data-subject export,
// which also asks a reason.
import { useEffect, useState } from 'preact/hooks';
import { get, post, saveBlob } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { RoundTag, StatusBadge } from '../../components/badge.js';
import { ReasonDialog } from '../../components/dialog.js';
import { errorText, SelectField, TextField } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { FilterPanel, ListCount, SortHeader } from '../../components/list.js';
import { useLoad } from '../../components/load.js';
import { options, STATUSES } from '../../components/options.js';
import { Loading, notLoaded, Page } from '../../components/page.js';
import { Pager } from '../../components/pager.js';
import { TrackSwitch, useTrack } from '../../components/track.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatDate, formatPhone } from '../../lib/format.js';
import { formatNationalNumber } from '../../lib/national-number.js';
import { useQueryState } from '../../router.js';

const PAGE_SIZE = 50;

/** Every school's requests, to search one and open it. */
export function AdminRequests({ search }) {
  const [track, setTrack] = useTrack();
  // The filters, sort and page live in the address (reload and back keep them).
  const [shown, setShown] = useQueryState(search, { q: '', status: '', sort: 'name', page: '1' });
  const shape = JSON.stringify(shown);
  const [draft, setDraft] = useState(shown);
  useEffect(() => setDraft(shown), [shape]);
  const page = Number(shown.page) || 1;
  const setPage = (next) => setShown({ page: String(next) });
  const sortBy = (sort) => setShown({ sort, page: '1' });
  const list = useLoad(
    () => get('/placement-requests', { track, ...shown, page, page_size: PAGE_SIZE }),
    [track, shape],
  );
  const rows = items(list.data);
  return html`
    <${Page} title=${t('admin_request.list_title')} wide>
      <${TrackSwitch} track=${track} onChange=${(v) => {
        setShown({ page: '1' }, { replace: true });
        setTrack(v);
      }} />
      <${FilterPanel} active=${[shown.q, shown.status].filter(Boolean).length}
        onSubmit=${() => setShown({ q: draft.q, status: draft.status, page: '1' })}>
        <${TextField} id="q" type="search" label=${t('overview.search')} value=${draft.q} onInput=${(q) => setDraft((d) => ({ ...d, q }))} />
        <${SelectField} id="status" label=${t('field.status')} value=${draft.status} placeholder=${t('common.all')}
          options=${options(STATUSES, 'status_filter')} onChange=${(status) => setDraft((d) => ({ ...d, status }))} />
        <div class="actions field"><button type="submit" class="primary">${t('overview.search_button')}</button></div>
      </${FilterPanel}>
      <${ListCount} total=${list.data?.total ?? rows.length} estimate=${list.data?.total_is_estimate} loading=${list.loading} />
      ${list.error && html`<${Alert}>${errorText(list.error.code, list.error.detail)}</${Alert}>`}
      ${
        list.loading && !list.data
          ? html`<${Loading} />`
          : rows.length === 0
            ? html`<p class="card">${t('overview.none')}</p>`
            : html`
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('admin_request.list_title')}</caption>
            <thead><tr>
              <${SortHeader} label=${t('field.name')} by="name" sort=${shown.sort} onSort=${sortBy} />
              <${SortHeader} label=${t('service.school')} />
              <${SortHeader} label=${t('field.city')} />
              <${SortHeader} label=${t('field.status')} by="status" sort=${shown.sort} onSort=${sortBy} />
            </tr></thead>
            <tbody>${rows.map(
              (r) => html`
              <tr key=${r.id}>
                <td class="card-title"><a href=${`/admin/requests/${r.id}`}>${r.last_name} ${r.first_name}</a></td>
                <td data-label=${t('service.school')}>${r.school?.name ?? ''}</td>
                <td data-label=${t('field.city')}>${r.postcode} ${r.city}</td>
                <td data-label=${t('field.status')}><${StatusBadge} request=${r} /><${RoundTag} round=${r.round} /></td>
              </tr>`,
            )}</tbody>
          </table>
        </div>`
      }
      <${Pager} page=${page} pageSize=${PAGE_SIZE} total=${list.data?.total} estimate=${list.data?.total_is_estimate} onPage=${setPage} />
    </${Page}>`;
}

export function AdminRequest({ params }) {
  const request = useLoad(() => get(`/placement-requests/${params.id}`), [params.id]);
  const [dialog, setDialog] = useState(null); // 'reveal' | 'export' | null
  const [revealed, setRevealed] = useState(null);
  const [message, setMessage] = useState(null);
  const result = useResult();
  const waiting = notLoaded(
    request,
    t('request.edit_title'),
    html`<a href="/admin/requests">${t('admin_request.back')}</a>`,
  );
  if (waiting) return waiting;
  const r = request.data;
  const name = `${r.first_name} ${r.last_name}`;

  /** The data-subject download always needs a reason (asked in the dialog, kept in the log). */
  async function exportData(reason) {
    setMessage(null);
    const data = await get(`/admin/placement-requests/${r.id}/personal-data`, { reason });
    const slug = name
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    saveBlob(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }), `gegevens-${slug}.json`);
    setDialog(null);
    setMessage(t('admin_request.exported'));
    result.focus();
  }

  const row = (label, value) => (value ? html`<dt>${label}</dt><dd>${value}</dd>` : null);
  const list = (values, prefix) => (values || []).map((x) => t(`${prefix}.${x}`)).join(', ');
  const s = r.supervisor;
  const hidden = html`<span class="hint">${t('admin_request.hidden')}</span>`;
  return html`
    <${Page} title=${name} actions=${html`
      <button type="button" onClick=${() => setDialog('reveal')} disabled=${!!revealed}>${t('admin_request.reveal')}</button>
      <button type="button" onClick=${() => setDialog('export')}>${t('admin_request.export')}</button>`}>
      <p><${StatusBadge} request=${r} detailed /></p>
      <${Result} result=${result}><${Alert} kind="success">${message || (revealed && t('reveal.done'))}</${Alert}></${Result}>
      <dl class="facts card">
        ${row(t('service.school'), r.school?.name)}
        ${row(t('field.national_number'), revealed ? formatNationalNumber(revealed.national_number) : hidden)}
        ${row(t('field.phone'), revealed ? formatPhone(revealed.phone) : hidden)}
        ${row(t('field.email'), revealed ? revealed.email : hidden)}
        ${row(t('request.address'), [r.street, `${r.postcode} ${r.city}`].filter(Boolean).join(', '))}
        ${row(t('field.province'), r.province && t(`province.${r.province}`))}
        ${row(t('field.transport_modes'), list(r.transport_modes, 'transport'))}
        ${row(t('field.remarks'), r.remarks)}
        ${row(t('field.supervisor_id'), s && [`${s.first_name ?? ''} ${s.last_name ?? ''}`.trim(), formatPhone(s.phone), s.email].filter(Boolean).join(', '))}
        ${row(t('request.period'), r.start_date && `${formatDate(r.start_date)} – ${formatDate(r.end_date)}`)}
        ${row(t('field.hours_per_week'), r.hours_per_week)}
        ${row(t('field.days'), list(r.days, 'day'))}
        ${row(t('field.form'), r.form && t(`form.${r.form}`))}
        ${row(t('admin_request.invitations'), (r.invitations || []).map((i) => `${i.service?.name} (${t(`admin_outcome.${i.outcome}`)})`).join(', '))}
      </dl>
      <p class="hint">${t('admin_request.audit_note')}</p>
      <p><a href="/admin/requests">${t('admin_request.back')}</a></p>
      ${
        dialog === 'reveal' &&
        html`<${ReasonDialog} required minLength=${5} maxLength=${500}
        title=${t('reveal.title')} intro=${t('reveal.intro')} label=${t('reveal.reason')}
        hint=${t('reveal.reason_hint')} tooShort=${t('reveal.reason_short')} submit=${t('reveal.submit')}
        send=${async (reason) => {
          const data = await post(`/placement-requests/${r.id}/reveal`, { reason });
          setDialog(null);
          setRevealed(data);
          // The reveal button is now disabled: focus goes to the message above the data.
          result.focus();
        }} onClose=${() => setDialog(null)} />`
      }
      ${
        dialog === 'export' &&
        html`<${ReasonDialog} required minLength=${5} maxLength=${500}
        title=${t('admin_request.export_title')} intro=${t('admin_request.export_intro')} label=${t('reveal.reason')}
        hint=${t('admin_request.export_hint')} tooShort=${t('reveal.reason_short')} submit=${t('admin_request.export_submit')}
        send=${exportData} onClose=${() => setDialog(null)} />`
      }
    </${Page}>`;
}

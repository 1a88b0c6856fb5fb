// When each campaign's pupils' personal data are erased (the server's dates), the admins'
// notice, and the one postponement with a reason (on the campaigns page).
import { useState } from 'preact/hooks';
import { get, post } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { errorText, TextArea, TextField } from '../../components/field.js';
import { useForm } from '../../components/form.js';
import { useLoad } from '../../components/load.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatDate } from '../../lib/format.js';

/** Postpone one campaign's erasure (once, with a reason; the server says when that is allowed). */
function PostponeForm({ state, onDone, onCancel }) {
  const form = useForm({ until: '', reason: '' });
  const name = `${state.school_year} · ${t(`track.${state.track}`)}`;
  async function onSubmit(event) {
    event.preventDefault();
    const missing = {};
    if (!form.values.until) missing.until = t('error.required');
    if (form.values.reason.trim().length < 5) missing.reason = t('retention.reason_short');
    if (!form.check(missing)) return;
    const saved = await form.submit((v) =>
      post(`/admin/campaigns/${state.campaign_id}/retention/postpone`, {
        until: `${v.until}T12:00:00+01:00`,
        reason: v.reason,
      }),
    );
    if (saved) onDone();
  }
  return html`
    <form ref=${form.ref} class="card" onSubmit=${onSubmit} novalidate aria-labelledby="postpone-title">
      <h3 id="postpone-title">${t('retention.postpone_named', { year: name })}</h3>
      <${Alert}>${form.formError}</${Alert}>
      <p class="hint">${t('retention.postpone_once')}</p>
      <div class="form-grid">
        <${TextField} id="postpone-until" type="date" label=${t('retention.new_date')} required value=${form.values.until} onInput=${form.set('until')} error=${form.errors.until} />
        <${TextArea} id="postpone-reason" label=${t('retention.reason')} required value=${form.values.reason} onInput=${form.set('reason')} error=${form.errors.reason} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled=${form.busy}>${t('retention.postpone')}</button>
        <button type="button" onClick=${onCancel}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

/** When each campaign's personal data are erased, the notice, the postponement. */
export function Retention() {
  const list = useLoad(() => get('/admin/retention', { page_size: 100 }), []);
  const [postponing, setPostponing] = useState(null);
  const [message, setMessage] = useState(null);
  const rows = items(list.data);
  return html`
    <section class="retention" aria-labelledby="retention-title">
      <h2 id="retention-title">${t('retention.title')}</h2>
      <p class="hint">${t('retention.intro')}</p>
      <${Alert} kind="success">${message}</${Alert}>
      ${list.error && html`<${Alert}>${errorText(list.error.code, list.error.detail)}</${Alert}>`}
      ${
        postponing &&
        html`<${PostponeForm} key=${postponing.campaign_id} state=${postponing} onCancel=${() => setPostponing(null)}
          onDone=${() => {
            setPostponing(null);
            setMessage(t('retention.postponed_done'));
            list.reload();
          }} />`
      }
      ${
        rows.length > 0 &&
        html`
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('retention.title')}</caption>
            <thead><tr><th scope="col">${t('campaigns.school_year')}</th><th scope="col">${t('retention.purge_at')}</th>
              <th scope="col">${t('retention.notice')}</th><th scope="col">${t('retention.postponed')}</th>
              <th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
            <tbody>
              ${rows.map(
                (r) => html`
                <tr key=${r.campaign_id}>
                  <td class="card-title">${r.school_year} · ${t(`track.${r.track}`)}</td>
                  <td data-label=${t('retention.purge_at')}>${r.purged_at ? t('retention.purged_on', { date: formatDate(r.purged_at) }) : formatDate(r.purge_at)}</td>
                  <td data-label=${t('retention.notice')}>${r.notice_sent_at ? t('retention.notice_sent', { date: formatDate(r.notice_sent_at) }) : t('retention.notice_due', { date: formatDate(r.notice_at) })}</td>
                  <td data-label=${t('retention.postponed')}>${r.postponed_until ? html`${formatDate(r.postponed_until)}<br /><span class="hint">${r.postpone_reason}</span>` : t('retention.not_postponed')}</td>
                  <td class="row-actions card-actions">
                    ${
                      r.can_postpone &&
                      html`<button type="button" class="small" onClick=${() => {
                        setMessage(null);
                        setPostponing(r);
                      }}
                      aria-label=${t('retention.postpone_named', { year: `${r.school_year} · ${t(`track.${r.track}`)}` })}>${t('retention.postpone')}</button>`
                    }
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`
      }
    </section>`;
}

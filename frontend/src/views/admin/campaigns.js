// Campaigns (school year + track) and their three deadlines, in Brussels time.
import { useState } from 'preact/hooks';
import { ApiError, get, patch, post } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { roundName } from '../../components/badge.js';
import { errorText, SelectField, TextField } from '../../components/field.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { campaignAllows, items, phaseOf } from '../../lib/campaign.js';
import { formatDateTime } from '../../lib/format.js';
import { Retention } from './retention.js';

const MOMENTS = ['opens_at', 'request_deadline', 'decision_deadline'];

/** "2026-11-15T23:59" typed in Brussels time -> an ISO instant with the right offset. */
export function brusselsToIso(local) {
  if (!local) return null;
  const guess = new Date(`${local}:00Z`);
  const shown = new Date(guess.toLocaleString('en-US', { timeZone: 'Europe/Brussels' }));
  const asUtc = new Date(guess.toLocaleString('en-US', { timeZone: 'UTC' }));
  return new Date(guess.getTime() - (shown - asUtc)).toISOString();
}

function toLocal(iso) {
  if (!iso) return '';
  const parts = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Brussels',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
  return parts.replace(' ', 'T');
}

/** A campaign to edit, or the empty form of a new one. */
function initialValues(campaign) {
  if (campaign)
    return {
      school_year: campaign.school_year,
      track: campaign.track,
      ...Object.fromEntries(MOMENTS.map((m) => [m, toLocal(campaign[m])])),
    };
  return { school_year: '', track: 'duaal', opens_at: '', request_deadline: '', decision_deadline: '' };
}

function CampaignForm({ campaign, onDone, onCancel }) {
  const form = useForm(initialValues(campaign));
  async function onSubmit(event) {
    event.preventDefault();
    const missing = {};
    for (const key of campaign ? MOMENTS : ['school_year', ...MOMENTS])
      if (!form.values[key]) missing[key] = { code: 'required' };
    if (Object.keys(missing).length) {
      // The same path as a server refusal: each error at its input, focus on the first.
      await form.submit(() => Promise.reject(new ApiError({ status: 422, code: 'validation_error', fields: missing })));
      return;
    }
    await form.submit(async (v) => {
      const moments = Object.fromEntries(MOMENTS.map((m) => [m, brusselsToIso(v[m])]));
      if (campaign) await patch(`/campaigns/${campaign.id}`, moments);
      else await post('/campaigns', { school_year: v.school_year, track: v.track, ...moments });
      onDone();
    });
  }
  const e = form.serverErrors;
  return html`
    <form ref=${form.ref} class="card" onSubmit=${onSubmit} novalidate aria-labelledby="campaign-form-title">
      <h2 id="campaign-form-title">${campaign ? t('campaigns.edit', { year: `${campaign.school_year} · ${t(`track.${campaign.track}`)}` }) : t('campaigns.add')}</h2>
      <${ErrorSummary} form=${form} />
      <div class="form-grid">
        ${
          !campaign &&
          html`
          <${TextField} id="school_year" label=${t('campaigns.school_year')} required value=${form.values.school_year} onInput=${form.set('school_year')} error=${e.school_year} hint="2026-2027" />
          <${SelectField} id="track" label=${t('track.switch')} value=${form.values.track} onChange=${form.set('track')} error=${e.track}
            options=${[{ value: 'duaal', label: t('track.duaal') }, { value: 'stage', label: t('track.stage') }]} />`
        }
        ${MOMENTS.map((m) => html`<${TextField} id=${m} type="datetime-local" label=${t(`campaigns.${m}`)} required value=${form.values[m]} onInput=${form.set(m)} error=${e[m]} />`)}
      </div>
      <p class="hint">${t('campaigns.brussels')}</p>
      <div class="actions">
        <${SubmitButton} form=${form} class="primary">${t('common.save')}</${SubmitButton}>
        <button type="button" onClick=${onCancel}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

/** "Tweede ronde openen": the button of a campaign's next round (`n`). */
function openRoundLabel(n) {
  return n === 2 || n === 3 ? t(`campaigns.open_round.${n}`) : t('campaigns.open_round.n', { n });
}

/** The next round of a campaign past its decision deadline (offered when the server lists
 * `open_round` in the campaign's admin actions): its own decision deadline, in Brussels time. */
function RoundForm({ campaign, onDone, onCancel }) {
  const form = useForm({ decision_deadline: '' }, { ids: { decision_deadline: 'round_deadline' } });
  const next = campaign.round + 1;
  const names = { round: roundName(next), lower: roundName(next, { lower: true }) };
  async function onSubmit(event) {
    event.preventDefault();
    if (!form.values.decision_deadline) {
      await form.submit(() =>
        Promise.reject(
          new ApiError({ status: 422, code: 'validation_error', fields: { decision_deadline: { code: 'required' } } }),
        ),
      );
      return;
    }
    await form.submit(async (v) => {
      const opened = await post(`/campaigns/${campaign.id}/rounds`, {
        decision_deadline: brusselsToIso(v.decision_deadline),
      });
      onDone(opened);
    });
  }
  const year = `${campaign.school_year} · ${t(`track.${campaign.track}`)}`;
  return html`
    <form ref=${form.ref} class="card" onSubmit=${onSubmit} novalidate aria-labelledby="round-form-title">
      <h2 id="round-form-title">${openRoundLabel(next)} · ${year}</h2>
      <${ErrorSummary} form=${form} />
      <p class="hint">${t('campaigns.round_hint')}</p>
      <div class="form-grid">
        <${TextField} id="round_deadline" type="datetime-local" label=${t('campaigns.round_deadline', names)} required
          value=${form.values.decision_deadline} onInput=${form.set('decision_deadline')} error=${form.serverErrors.decision_deadline} />
      </div>
      <p class="hint">${t('campaigns.brussels')}</p>
      <div class="actions">
        <${SubmitButton} form=${form} class="primary">${t('campaigns.round_submit')}</${SubmitButton}>
        <button type="button" onClick=${onCancel}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

export function Campaigns() {
  const list = useLoad(() => get('/campaigns'), []);
  const [editing, setEditing] = useState(null);
  const [opening, setOpening] = useState(null);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const rows = items(list.data);

  /** Next school year's campaign from this one (the server shifts every moment a year, in
   * Brussels wall time); it opens in the form so the admin can check the dates. */
  async function copy(campaign) {
    setMessage(null);
    setError(null);
    try {
      const created = await post(`/campaigns/${campaign.id}/copy`);
      setMessage(t('campaigns.copied', { year: created.school_year, track: t(`track.${created.track}`) }));
      setEditing(created);
      list.reload();
    } catch (err) {
      setError(errorText(err.code, err.detail));
    }
  }

  return html`
    <${Page} title=${t('campaigns.title')} wide actions=${editing === null && html`<button type="button" class="primary" onClick=${() => setEditing('new')}>${t('campaigns.add')}</button>`}>
      <${Alert} kind="success">${message}</${Alert}>
      <${Alert}>${error}</${Alert}>
      ${list.error && html`<${Alert}>${errorText(list.error.code, list.error.detail)}</${Alert}>`}
      ${
        editing !== null &&
        html`<${CampaignForm} key=${editing.id ?? 'new'}
        campaign=${editing === 'new' ? null : editing} onCancel=${() => setEditing(null)}
        onDone=${() => {
          setEditing(null);
          setMessage(t('campaigns.saved'));
          list.reload();
        }} />`
      }
      ${
        opening !== null &&
        html`<${RoundForm} key=${opening.id} campaign=${opening} onCancel=${() => setOpening(null)}
        onDone=${(opened) => {
          setOpening(null);
          setMessage(
            t('campaigns.round_opened', {
              round: roundName(opened.round),
              year: `${opened.school_year} · ${t(`track.${opened.track}`)}`,
            }),
          );
          list.reload();
        }} />`
      }
      ${
        list.loading && !list.data
          ? html`<${Loading} />`
          : rows.length === 0
            ? html`<p class="card">${t('campaign.none')}</p>`
            : html`
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('campaigns.title')}</caption>
            <thead><tr><th scope="col">${t('campaigns.school_year')}</th><th scope="col">${t('track.switch')}</th>
              ${MOMENTS.map((m) => html`<th scope="col" class="hide-narrow">${t(`campaigns.${m}`)}</th>`)}
              <th scope="col">${t('field.status')}</th><th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
            <tbody>
              ${rows.map(
                (c) => html`
                <tr key=${c.id}>
                  <td class="card-title">${c.school_year}</td><td data-label=${t('track.switch')}>${t(`track.${c.track}`)}</td>
                  ${MOMENTS.map((m) => html`<td class="hide-narrow" data-label=${t(`campaigns.${m}`)}>${formatDateTime(c[m])}</td>`)}
                  <td data-label=${t('field.status')}>${t(`phase.${phaseOf(c)}`)}${c.round > 1 && html` · <span class="campaign-round">${roundName(c.round)}</span>`}</td>
                  <td class="row-actions">
                    ${
                      campaignAllows(c, 'admin', 'open_round') &&
                      html`<button type="button" class="small primary" onClick=${() => {
                        setMessage(null);
                        setEditing(null);
                        setOpening(c);
                      }}>${openRoundLabel(c.round + 1)}</button>${' '}`
                    }
                    <button type="button" class="small" onClick=${() => {
                      setMessage(null);
                      setOpening(null);
                      setEditing(c);
                    }}
                      aria-label=${t('campaigns.move_named', { year: `${c.school_year} · ${t(`track.${c.track}`)}` })}>${t('campaigns.move_deadlines')}</button>
                    ${' '}
                    <button type="button" class="small" onClick=${() => copy(c)}
                      aria-label=${t('campaigns.copy_named', { year: `${c.school_year} · ${t(`track.${c.track}`)}` })}>${t('campaigns.copy')}</button>
                    ${' '}
                    <a href=${`/admin/conflicts?campaign=${c.id}`}
                      aria-label=${t('campaigns.conflicts_named', { year: `${c.school_year} · ${t(`track.${c.track}`)}` })}>${t('campaigns.conflicts')}</a>
                    ${' '}
                    <a href=${`/admin/campaigns/${c.id}/proposal`}
                      aria-label=${t('campaigns.proposal_named', { year: `${c.school_year} · ${t(`track.${c.track}`)}` })}>${t('campaigns.proposal')}</a>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`
      }
      <${Retention} />
    </${Page}>`;
}

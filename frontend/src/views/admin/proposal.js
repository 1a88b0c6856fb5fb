// The admin's proposal for a campaign's pupils still without a place: for each, the service
// that fits best within every service's places left (the server solves it), with the reasons.
// The admin can mail each service its pupils; nobody is invited: the services decide.
import { useState } from 'preact/hooks';
import { get, post } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { errorText } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { fitWords } from '../../lib/fit.js';

function Pupils({ rows }) {
  const label = {
    school: t('service.school'),
    service: t('proposal.service'),
    fit: t('service.fit'),
  };
  return html`
    <div class="table-wrap" tabindex="0">
      <table class="cards">
        <caption class="visually-hidden">${t('proposal.pupils')}</caption>
        <thead><tr>
          <th scope="col">${t('field.name')}</th><th scope="col">${label.school}</th>
          <th scope="col">${label.service}</th><th scope="col">${label.fit}</th>
        </tr></thead>
        <tbody>
          ${rows.map((item) => {
            const pupil = item.request;
            const words = item.service ? fitWords({ score: item.score, reasons: item.reasons }) : null;
            return html`
              <tr key=${pupil.id} data-id=${pupil.id}>
                <td class="card-title"><a href=${`/admin/requests/${pupil.id}`}>${pupil.last_name} ${pupil.first_name}</a>
                  <div class="hint">${pupil.postcode} ${pupil.city}</div></td>
                <td data-label=${label.school}>${pupil.school.name}</td>
                <td data-label=${label.service}>${item.service ? item.service.name : html`<em>${t('proposal.none')}</em>`}</td>
                <td data-label=${label.fit}>${
                  words &&
                  html`<div class="fit"><strong class="fit-score">${words.score}</strong>
                    <ul class="fit-reasons">${words.reasons.map((w) => html`<li>${w}</li>`)}</ul></div>`
                }</td>
              </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
}

export function Proposal({ params }) {
  const id = params.id;
  const proposal = useLoad(() => get(`/admin/campaigns/${id}/proposal`), [id]);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const [sending, setSending] = useState(false);
  const result = useResult();
  const data = proposal.data;

  async function send() {
    if (sending) return;
    setSending(true);
    setError(null);
    setMessage(null);
    try {
      const sent = await post(`/admin/campaigns/${id}/proposal/mails`);
      setMessage(t('proposal.sent', { mailed: sent.mailed_services, already: sent.already_mailed }));
    } catch (err) {
      setError(errorText(err.code, err.detail));
    } finally {
      setSending(false);
      result.focus();
    }
  }

  const title = data
    ? t('proposal.title_of', { year: data.school_year, track: t(`track.${data.track}`) })
    : t('proposal.title');
  return html`
    <${Page} title=${title} wide actions=${
      data?.proposed > 0 &&
      html`<button type="button" class="primary" aria-disabled=${sending ? 'true' : undefined} onClick=${send}>${t('proposal.send')}</button>`
    }>
      <p class="hint page-intro">${t('proposal.intro')}</p>
      <${Result} result=${result}>
        <${Alert}>${error}</${Alert}>
        <${Alert} kind="success">${message}</${Alert}>
      </${Result}>
      ${proposal.error && html`<${Alert}>${errorText(proposal.error.code, proposal.error.detail)}</${Alert}>`}
      ${
        !data
          ? !proposal.error && html`<${Loading} />`
          : html`
        <p role="status" class="proposal-count">${t('proposal.count', { proposed: data.proposed, without: data.without_proposal })}</p>
        ${data.items.length ? html`<${Pupils} rows=${data.items} />` : html`<p class="card">${t('proposal.nobody')}</p>`}
        <h2>${t('proposal.services')}</h2>
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('proposal.services')}</caption>
            <thead><tr><th scope="col">${t('proposal.service')}</th><th scope="col">${t('proposal.places_left')}</th>
              <th scope="col">${t('proposal.proposed')}</th></tr></thead>
            <tbody>
              ${data.services.map(
                (s) => html`<tr key=${s.id}>
                  <td class="card-title">${s.name}</td>
                  <td data-label=${t('proposal.places_left')}>${s.places_left ?? t('proposal.no_limit')}</td>
                  <td data-label=${t('proposal.proposed')}>${s.proposed}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`
      }
      <p><a href="/admin/campaigns">${t('proposal.back')}</a></p>
    </${Page}>`;
}

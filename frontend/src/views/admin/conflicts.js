// Pupils entered by two schools in one campaign: the pairs of requests with the same national
// number. Schools and services never learn of them; the admin compares the two requests and
// withdraws the one that should not be there (with a reason, kept in the log).
import { useState } from 'preact/hooks';
import { get, post } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { ReasonDialog } from '../../components/dialog.js';
import { errorText, SelectField } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { ListCount } from '../../components/list.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { Pager } from '../../components/pager.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatDateTime } from '../../lib/format.js';

const PAGE_SIZE = 50;

const label = (c) => `${c.school_year} · ${t(`track.${c.track}`)}`;
const pupil = (side) => `${side.first_name} ${side.last_name}`;

function Side({ side, number, onWithdraw }) {
  const named = { name: pupil(side), school: side.school.name };
  return html`
    <tr>
      ${number && html`<th scope="rowgroup" rowspan="2" class="conflict-number hide-narrow" data-label=${t('conflicts.pair')}>${number}</th>`}
      <td class="card-title"><a href=${`/admin/requests/${side.id}`}>${side.last_name} ${side.first_name}</a></td>
      <td data-label=${t('service.school')}>${side.school.name}</td>
      <td data-label=${t('field.status')}>${t(`conflicts.status.${side.status}`)}</td>
      <td class="hide-narrow" data-label=${t('conflicts.entered')}>${formatDateTime(side.created_at)}</td>
      <td class="row-actions">
        ${
          side.actions.includes('withdraw')
            ? html`<button type="button" class="small" onClick=${() => onWithdraw(side)}
              aria-label=${t('conflicts.withdraw_named', named)}>${t('conflicts.withdraw')}</button>`
            : html`<span class="hint">${t('conflicts.locked')}</span>`
        }
      </td>
    </tr>`;
}

export function Conflicts({ search }) {
  const campaigns = useLoad(() => get('/campaigns'), []);
  const list = items(campaigns.data);
  const [chosen, setChosen] = useState(search?.get('campaign') || '');
  const [page, setPage] = useState(1);
  const [withdrawing, setWithdrawing] = useState(null);
  const [message, setMessage] = useState(null);
  const result = useResult();
  // The campaign that is running now, unless the admin picks (or a link names) another.
  const running = list.find((c) => c.phase === 'requests_open' || c.phase === 'decisions_open');
  const campaignId = chosen || running?.id || list[0]?.id || '';
  const conflicts = useLoad(
    () =>
      campaignId
        ? get(`/admin/campaigns/${campaignId}/conflicts`, { page, page_size: PAGE_SIZE })
        : Promise.resolve(null),
    [campaignId, page],
  );
  const rows = items(conflicts.data);
  const total = conflicts.data?.total ?? 0;
  const offset = (page - 1) * PAGE_SIZE;

  return html`
    <${Page} title=${t('conflicts.title')} wide>
      <p class="hint page-intro">${t('conflicts.intro')}</p>
      <${Result} result=${result}><${Alert} kind="success">${message}</${Alert}></${Result}>
      ${campaigns.error && html`<${Alert}>${errorText(campaigns.error.code, campaigns.error.detail)}</${Alert}>`}
      ${conflicts.error && html`<${Alert}>${errorText(conflicts.error.code, conflicts.error.detail)}</${Alert}>`}
      ${
        list.length > 0 &&
        html`<div class="filters"><${SelectField} id="campaign" label=${t('dashboard.campaign')} value=${campaignId}
        onChange=${(id) => {
          setPage(1);
          setMessage(null);
          setChosen(id);
        }}
        options=${list.map((c) => ({ value: c.id, label: label(c) }))} /></div>`
      }
      <${ListCount} words="conflicts.count" total=${total} loading=${conflicts.loading} />
      ${
        campaigns.loading || (conflicts.loading && !conflicts.data)
          ? html`<${Loading} />`
          : !campaignId
            ? html`<p class="card">${t('campaign.none')}</p>`
            : rows.length === 0
              ? html`<p class="card">${t('conflicts.none')}</p>`
              : html`
        <div class="table-wrap" tabindex="0">
          <table class="conflicts cards">
            <caption class="visually-hidden">${t('conflicts.title')}</caption>
            <thead><tr>
              <th scope="col" class="hide-narrow">${t('conflicts.pair')}</th>
              <th scope="col">${t('field.name')}</th>
              <th scope="col">${t('service.school')}</th>
              <th scope="col">${t('field.status')}</th>
              <th scope="col" class="hide-narrow">${t('conflicts.entered')}</th>
              <th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th>
            </tr></thead>
            ${rows.map(
              (c, i) => html`
              <tbody key=${`${c.first.id}-${c.second.id}`}>
                <${Side} side=${c.first} number=${offset + i + 1} onWithdraw=${setWithdrawing} />
                <${Side} side=${c.second} onWithdraw=${setWithdrawing} />
              </tbody>`,
            )}
          </table>
        </div>`
      }
      <${Pager} page=${page} pageSize=${PAGE_SIZE} total=${total} onPage=${setPage} />
      ${
        withdrawing &&
        html`<${ReasonDialog} required danger minLength=${5} maxLength=${500}
        title=${t('conflicts.dialog_title')}
        intro=${t('conflicts.dialog_intro', { name: pupil(withdrawing), school: withdrawing.school.name })}
        label=${t('reveal.reason')} hint=${t('conflicts.reason_hint')} tooShort=${t('reveal.reason_short')}
        submit=${t('conflicts.withdraw')}
        send=${async (reason) => {
          await post(`/admin/placement-requests/${withdrawing.id}/withdraw`, { reason });
          setMessage(t('conflicts.withdrawn', { name: pupil(withdrawing), school: withdrawing.school.name }));
          setWithdrawing(null);
          // The pair leaves the list, its button with it: focus goes to the message.
          result.focus();
          conflicts.reload();
        }} onClose=${() => setWithdrawing(null)} />`
      }
    </${Page}>`;
}

import { get } from '../../api.js';
import { Timeline } from '../../components/banner.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { TrackSwitch, useTrack } from '../../components/track.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { campaignAllows, items } from '../../lib/campaign.js';

/** The campaign of `track` that matters now, as the server chooses it (null when none). */
export function useCampaign(track) {
  const found = useLoad(() => get('/campaigns/current', { track }).catch(() => null), [track]);
  return { ...found, campaign: found.data ?? null };
}

export function SchoolHome({ user }) {
  const [track, setTrack] = useTrack();
  const { campaign, loading } = useCampaign(track);
  const supervisors = useLoad(() => get('/supervisors', { page_size: 1 }), []);
  const requests = useLoad(() => get('/placement-requests', { track, page_size: 1 }), [track]);
  const count = (load) => (Array.isArray(load.data) ? load.data.length : load.data?.total);

  return html`
    <${Page} title=${t('school.home_title', { name: user.organisation?.name ?? '' })}>
      <${TrackSwitch} track=${track} onChange=${setTrack} />
      ${loading && html`<${Loading} />`}
      ${campaign && html`<h2>${t('timeline.title')}</h2><${Timeline} campaign=${campaign} />`}
      <div class="stats">
        <div class="stat"><strong>${count(supervisors) ?? '–'}</strong>
          <a href="/school/supervisors">${t('nav.supervisors')}</a></div>
        <div class="stat"><strong>${count(requests) ?? '–'}</strong>
          <a href="/school/requests">${t('school.requests_in_track', { track: t(`track.${track}`) })}</a></div>
      </div>
      <p>${t('school.supervisors_first')}</p>
      <div class="actions">
        <a class="button" href="/school/supervisors">${t('school.manage_supervisors')}</a>
        ${campaignAllows(campaign, 'school', 'create') && html`<a class="button primary" href="/school/requests/new">${t('nav.new_request')}</a>`}
      </div>
    </${Page}>`;
}

export { items };

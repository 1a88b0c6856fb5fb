import { get } from '../../api.js';
import { Timeline } from '../../components/banner.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { TrackSwitch, useTrack } from '../../components/track.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { campaignAllows, items } from '../../lib/campaign.js';
import { formatDateTime } from '../../lib/format.js';

/** The campaign of `track` that matters now, as the server chooses it (null when none). */
export function useCampaign(track) {
  const found = useLoad(() => get('/campaigns/current', { track }).catch(() => null), [track]);
  return { ...found, campaign: found.data ?? null };
}

/** The caller's counts for `track`, as the server counts them (null while loading). */
export function useSummary(track) {
  return useLoad(() => get('/placement-requests/summary', { track }).catch(() => null), [track]);
}

// The start page's tiles: each a status of the overview, linking to it filtered.
const TILES = [
  ['accepted', 'home.placed'],
  ['invited', 'home.invited'],
  ['open', 'home.open'],
  ['not_placed', 'home.not_placed'],
];

function AtAGlance({ summary }) {
  const counts = summary?.by_status ?? {};
  return html`
    <h2>${t('home.at_a_glance')}</h2>
    <div class="stats" data-testid="status-counts">
      ${TILES.map(
        ([status, words]) => html`<div class="stat"><strong>${counts[status] ?? '–'}</strong>
          <a href=${`/school/requests?status=${status}`}>${t(words)}</a></div>`,
      )}
    </div>`;
}

/** What needs the school now: pupils without an invitation as the decision deadline nears
 * (the server says when it is near). */
function Attention({ summary }) {
  if (!summary) return null;
  const open = summary.by_status?.open ?? 0;
  if (!(summary.deadline_near && open > 0)) return html`<p class="hint">${t('home.nothing_urgent')}</p>`;
  const deadline = formatDateTime(summary.decision_deadline);
  return html`
    <div class="alert alert-error" role="status">
      <strong>${t('home.attention')}</strong>
      <p>${t('home.attention_open', { count: open, deadline })}</p>
      <a href="/school/requests?status=open">${t('home.attention_link')}</a>
    </div>`;
}

export function SchoolHome({ user }) {
  const [track, setTrack] = useTrack();
  const { campaign, loading } = useCampaign(track);
  const supervisors = useLoad(() => get('/supervisors', { page_size: 1 }), []);
  const summary = useSummary(track);
  const count = (load) => (Array.isArray(load.data) ? load.data.length : load.data?.total);
  const requests = useLoad(() => get('/placement-requests', { track, page_size: 1 }), [track]);

  return html`
    <${Page} title=${t('school.home_title', { name: user.organisation?.name ?? '' })}>
      <${TrackSwitch} track=${track} onChange=${setTrack} />
      ${loading && html`<${Loading} />`}
      <${Attention} summary=${summary.data} />
      <${AtAGlance} summary=${summary.data} />
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

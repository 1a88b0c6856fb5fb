// The campaign's phase, next deadline and what it means for the role, with a countdown
// (on every page, from the server's phase), and the manual's timeline.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n/index.js';
import { nextDeadline, phaseOf } from '../lib/campaign.js';
import { formatDate, formatDateTime, splitDuration } from '../lib/format.js';
import { roundName } from './badge.js';
import { useLoad } from './load.js';
import { TRACKS, useTrack } from './track.js';

function useNow(everyMs = 30000) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/**
 * The campaign's phase, its next deadline in Brussels time and what it means for `role` (a
 * sentence per role and phase), with a countdown. Phase and deadline are the server's.
 */
export function DeadlineBanner({ campaign, role = 'school' }) {
  const now = useNow();
  if (!campaign) return html`<div class="banner banner-none" role="status">${t('campaign.none')}</div>`;
  const phase = phaseOf(campaign);
  const next = nextDeadline(campaign);
  const left = next ? splitDuration(Date.parse(next.at) - now.getTime()) : null;
  // A later round (the server's `round`) is named, and its deadline is the round's.
  const round = campaign.round > 1 ? roundName(campaign.round) : null;
  const words = { at: formatDateTime(next?.at), decision: formatDateTime(campaign.decision_deadline), round };
  const sentence = round && phase === 'decisions_open' ? `banner.${role}.round` : `banner.${role}.${phase}`;
  return html`
    <section class=${`banner banner-${phase}`} aria-label=${t('campaign.banner')} data-phase=${phase} data-round=${campaign.round}>
      <p class="banner-phase"><strong>${t(`track.${campaign.track}`)} ${campaign.school_year}</strong> · ${t(`phase.${phase}`)}${round && html` · <strong class="banner-round">${round}</strong>`}</p>
      <p class="banner-deadline">
        ${t(sentence, words)}
        ${next && html`<span class="countdown"> (${t('countdown', left)})</span>`}
      </p>
    </section>`;
}

/**
 * The banner of every signed-in page: the current campaign of the track the user chose (both
 * tracks for the admin), read again on every page and when its next deadline passes, so the
 * phase shown is always the server's.
 */
export function CampaignBanner({ role, path }) {
  const [track] = useTrack();
  const tracks = role === 'admin' ? TRACKS : [track];
  const [tick, setTick] = useState(0);
  const found = useLoad(
    () => Promise.all(tracks.map((tr) => get('/campaigns/current', { track: tr }).catch(() => null))),
    [tracks.join(), path, tick],
  );
  const campaigns = found.data ?? [];
  const soonest = Math.min(...campaigns.filter((c) => c?.next_deadline).map((c) => Date.parse(c.next_deadline)));
  useEffect(() => {
    if (!Number.isFinite(soonest)) return undefined;
    // setTimeout holds at most ~24 days; a later deadline is checked again after a day.
    const wait = Math.min(Math.max(soonest - Date.now(), 0) + 1000, 86400000);
    const timer = setTimeout(() => setTick((n) => n + 1), wait);
    return () => clearTimeout(timer);
  }, [soonest]);
  if (!found.data) return null;
  return html`<div class="campaign-banners">${campaigns.map(
    (c, i) => html`<${DeadlineBanner} key=${tracks[i]} campaign=${c ?? null} role=${role} />`,
  )}</div>`;
}

export function Timeline({ campaign }) {
  if (!campaign) return null;
  const phase = phaseOf(campaign);
  const steps = [
    { key: 'supervisors', when: t('timeline.any_time'), active: phase === 'before_open' },
    {
      key: 'requests',
      when: `${formatDate(campaign.opens_at)} – ${formatDateTime(campaign.request_deadline)}`,
      active: phase === 'requests_open',
    },
    {
      key: 'decisions',
      when: `${t('timeline.until')} ${formatDateTime(campaign.decision_deadline)}`,
      active: phase === 'requests_open' || phase === 'decisions_open',
    },
    {
      key: 'final',
      when: `${t('timeline.from')} ${formatDateTime(campaign.decision_deadline)}`,
      active: phase === 'closed',
    },
  ];
  return html`
    <ol class="timeline">
      ${steps.map(
        (s) => html`
        <li class=${s.active ? 'current' : ''} aria-current=${s.active ? 'step' : undefined}>
          <strong>${t(`timeline.${s.key}`)}</strong>
          <span>${s.when}</span>
        </li>`,
      )}
    </ol>`;
}

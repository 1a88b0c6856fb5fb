// The campaign's phase and next deadline with a countdown, and the manual's timeline.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { t } from '../i18n/index.js';
import { nextDeadline, phaseOf } from '../lib/campaign.js';
import { formatDate, formatDateTime, splitDuration } from '../lib/format.js';

function useNow(everyMs = 30000) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function DeadlineBanner({ campaign }) {
  const now = useNow();
  if (!campaign) return html`<div class="banner banner-none" role="status">${t('campaign.none')}</div>`;
  const phase = phaseOf(campaign, now);
  const next = nextDeadline(campaign, now);
  const left = next ? splitDuration(Date.parse(next.at) - now.getTime()) : null;
  return html`
    <section class=${`banner banner-${phase}`} aria-label=${t('campaign.banner')}>
      <p class="banner-phase"><strong>${t(`track.${campaign.track}`)} ${campaign.school_year}</strong> · ${t(`phase.${phase}`)}</p>
      ${
        next &&
        html`
        <p class="banner-deadline">
          ${t(`deadline.${next.key}`)}: <time datetime=${next.at}>${formatDateTime(next.at)}</time>
          <span class="countdown"> (${t('countdown', left)})</span>
        </p>`
      }
    </section>`;
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

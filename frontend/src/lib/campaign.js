// A campaign's phase from its three moments, as the server computes it
// (backend/campaigns/phase.py); the server's own `phase`, when sent, wins.

export function phaseOf(campaign, now = new Date()) {
  if (campaign.phase) return campaign.phase;
  const at = now.getTime();
  if (at < Date.parse(campaign.opens_at)) return 'before_open';
  if (at <= Date.parse(campaign.request_deadline)) return 'requests_open';
  if (at < Date.parse(campaign.decision_deadline)) return 'decisions_open';
  return 'closed';
}

export function nextDeadline(campaign, now = new Date()) {
  switch (phaseOf(campaign, now)) {
    case 'before_open':
      return { key: 'opens_at', at: campaign.opens_at };
    case 'requests_open':
      return { key: 'request_deadline', at: campaign.request_deadline };
    case 'decisions_open':
      return { key: 'decision_deadline', at: campaign.decision_deadline };
    default:
      return null;
  }
}

/** The list answer of /campaigns may be a page or a plain array. */
export function items(answer) {
  return Array.isArray(answer) ? answer : (answer?.items ?? []);
}

/** The campaign of a track that matters now: the newest school year of that track. */
export function currentCampaign(campaigns, track) {
  return (
    items(campaigns)
      .filter((c) => c.track === track)
      .sort((a, b) => (a.school_year < b.school_year ? 1 : -1))[0] ?? null
  );
}

// A campaign as the server describes it: its `phase`, its `next_deadline` and what each role
// may still do in it (`actions`). The client computes none of these itself
// (backend/campaigns/phase.py and backend/placements/transitions.py do).

export function phaseOf(campaign) {
  return campaign.phase;
}

const DEADLINE_OF_PHASE = {
  before_open: 'opens_at',
  requests_open: 'request_deadline',
  decisions_open: 'decision_deadline',
};

/** The next deadline the server named, with which of the three moments it is. */
export function nextDeadline(campaign) {
  const key = DEADLINE_OF_PHASE[campaign.phase];
  return key && campaign.next_deadline ? { key, at: campaign.next_deadline } : null;
}

/** Whether `role` may still do `action` in the campaign's phase (the server's `actions`). */
export function campaignAllows(campaign, role, action) {
  return Boolean(campaign?.actions?.[role]?.includes(action));
}

/** The list answer of /campaigns may be a page or a plain array. */
export function items(answer) {
  return Array.isArray(answer) ? answer : (answer?.items ?? []);
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { campaignAllows, nextDeadline, phaseOf } from '../src/lib/campaign.js';
import { checkDates } from '../src/lib/rules.js';

test('dates: both or neither, end not before start', () => {
  assert.deepEqual(checkDates('', ''), {});
  assert.deepEqual(checkDates('2026-10-01', ''), { end_date: 'dates_both' });
  assert.deepEqual(checkDates('', '2026-10-01'), { start_date: 'dates_both' });
  assert.deepEqual(checkDates('2026-10-02', '2026-10-01'), { end_date: 'end_before_start' });
  assert.deepEqual(checkDates('2026-10-01', '2026-10-01'), {});
});

test("phase, next deadline and what a role may do are the server's, never recomputed", () => {
  const c = {
    phase: 'decisions_open',
    opens_at: '2020-06-01T00:00:00Z',
    request_deadline: '2020-11-15T22:59:59Z',
    decision_deadline: '2020-11-30T11:00:00Z',
    next_deadline: '2020-11-30T11:00:00Z',
    actions: { school: ['edit', 'withdraw_request'], service: ['invite'], admin: [] },
  };
  assert.equal(phaseOf(c), 'decisions_open');
  assert.deepEqual(nextDeadline(c), { key: 'decision_deadline', at: '2020-11-30T11:00:00Z' });
  assert.equal(nextDeadline({ ...c, phase: 'closed', next_deadline: null }), null);
  assert.equal(campaignAllows(c, 'school', 'create'), false);
  assert.equal(campaignAllows(c, 'school', 'edit'), true);
  assert.equal(campaignAllows(null, 'school', 'edit'), false);
});

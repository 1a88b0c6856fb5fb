import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextDeadline, phaseOf } from '../src/lib/campaign.js';
import { checkDates } from '../src/lib/rules.js';

test('dates: both or neither, end not before start', () => {
  assert.deepEqual(checkDates('', ''), {});
  assert.deepEqual(checkDates('2026-10-01', ''), { end_date: 'dates_both' });
  assert.deepEqual(checkDates('', '2026-10-01'), { start_date: 'dates_both' });
  assert.deepEqual(checkDates('2026-10-02', '2026-10-01'), { end_date: 'end_before_start' });
  assert.deepEqual(checkDates('2026-10-01', '2026-10-01'), {});
});

test('phase and next deadline follow the three moments', () => {
  const c = {
    opens_at: '2026-06-01T00:00:00Z',
    request_deadline: '2026-11-15T22:59:59Z',
    decision_deadline: '2026-11-30T11:00:00Z',
  };
  assert.equal(phaseOf(c, new Date('2026-05-01T00:00:00Z')), 'before_open');
  assert.equal(phaseOf(c, new Date('2026-11-15T22:59:59Z')), 'requests_open');
  assert.equal(phaseOf(c, new Date('2026-11-20T00:00:00Z')), 'decisions_open');
  assert.equal(phaseOf(c, new Date('2026-11-30T11:00:00Z')), 'closed');
  assert.equal(nextDeadline(c, new Date('2026-11-20T00:00:00Z')).key, 'decision_deadline');
  assert.equal(nextDeadline(c, new Date('2026-12-01T00:00:00Z')), null);
  assert.equal(phaseOf({ ...c, phase: 'closed' }, new Date('2026-05-01T00:00:00Z')), 'closed');
});

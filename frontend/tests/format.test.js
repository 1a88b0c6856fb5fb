import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brusselsInputs, brusselsInstant, formatPhone } from '../src/lib/format.js';

test('Belgian numbers read the way Belgians write them', () => {
  assert.equal(formatPhone('+32470123456'), '0470 12 34 56');
  assert.equal(formatPhone('+3250123456'), '050 12 34 56');
  assert.equal(formatPhone('+3222503777'), '02 250 37 77');
  assert.equal(formatPhone('+3292234567'), '09 223 45 67');
});

test('other numbers stay as they are', () => {
  assert.equal(formatPhone('+31201234567'), '+31201234567');
  assert.equal(formatPhone(null), '');
});

test('a day and time in Brussels become the instant in UTC, in winter and in summer', () => {
  assert.equal(brusselsInstant('2026-12-03', '14:00'), '2026-12-03T13:00:00.000Z');
  assert.equal(brusselsInstant('2027-06-01', '09:30'), '2027-06-01T07:30:00.000Z');
  // The hour that does not exist when the clocks go forward (29 March 2026, 02:00-03:00).
  assert.equal(brusselsInstant('2026-03-29', '02:30'), null);
  assert.equal(brusselsInstant('2026-12-03', ''), null);
  assert.equal(brusselsInstant('3/12/2026', '14:00'), null);
});

test('an instant shows as the day and time in Brussels', () => {
  assert.deepEqual(brusselsInputs('2026-12-03T13:00:00Z'), { date: '2026-12-03', time: '14:00' });
  assert.deepEqual(brusselsInputs('2027-06-01T22:15:00Z'), { date: '2027-06-02', time: '00:15' });
});

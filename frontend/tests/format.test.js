import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPhone } from '../src/lib/format.js';

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

// The fit's reasons in words: the server says whether a part fits; the words follow it (no
// catalog is loaded here, so t() answers with the key it chose).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reasonWords } from '../src/lib/fit.js';

test('a distance reads as beyond the maximum exactly when the server says it does not fit', () => {
  const reason = { code: 'distance', weight: 0, km: 41.6, max_km: 30 };
  assert.equal(reasonWords({ ...reason, fits: false }), 'fit.distance_beyond');
  assert.equal(reasonWords({ ...reason, fits: true }), 'fit.distance');
  assert.equal(reasonWords({ code: 'distance', weight: 30, km: 12.2 }), 'fit.distance');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cityAfterPostcode, placeNamed, placeOptions } from '../src/lib/places.js';

const BRUSSEL = [{ name: 'Brussel', names: ['Brussel', 'Bruxelles'], municipality: 'Brussel' }];
const ASSEBROEK = [
  { name: 'Brugge', names: ['Brugge', 'Bruges'], municipality: 'Brugge' },
  { name: 'Assebroek', names: ['Assebroek'], municipality: 'Brugge' },
];

test('a city is one of the places, case, accents and hyphens aside (the server rule)', () => {
  assert.equal(placeNamed(BRUSSEL, 'BRUXELLES'), 'Bruxelles');
  assert.equal(
    placeNamed([{ name: 'Fontaine-l’Evêque', names: ['Fontaine-l’Evêque'] }], "fontaine l'eveque"),
    'Fontaine-l’Evêque',
  );
  assert.equal(placeNamed(BRUSSEL, 'Brugge'), null);
  assert.equal(placeNamed(BRUSSEL, ''), null);
});

test('a new postcode keeps its own city, fills its only place, never keeps the old one', () => {
  assert.equal(cityAfterPostcode(BRUSSEL, 'Brugge'), 'Brussel');
  assert.equal(cityAfterPostcode(ASSEBROEK, 'Gent'), '');
  assert.equal(cityAfterPostcode(ASSEBROEK, 'brugge'), 'Brugge');
  assert.equal(cityAfterPostcode([], 'Brugge'), '');
});

test('options name the municipality of a part and keep the stored spelling', () => {
  assert.deepEqual(placeOptions(ASSEBROEK, ''), [
    { value: 'Brugge', label: 'Brugge' },
    { value: 'Assebroek', label: 'Assebroek (Brugge)' },
  ]);
  assert.deepEqual(placeOptions(BRUSSEL, 'Bruxelles'), [{ value: 'Bruxelles', label: 'Bruxelles' }]);
});

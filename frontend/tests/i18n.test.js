// Both catalogs carry the same keys, every key the code asks for exists, placeholders match.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { interpolate, translator } from '../src/i18n/index.js';

const SRC = new URL('../src/', import.meta.url).pathname;
const nl = JSON.parse(readFileSync(join(SRC, 'i18n/nl.json'), 'utf8'));
const en = JSON.parse(readFileSync(join(SRC, 'i18n/en.json'), 'utf8'));

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.js') ? [path] : [];
  });
}

test('nl and en have the same keys', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(nl).sort());
});

test('no translation is empty and placeholders are the same in both', () => {
  const placeholders = (text) => (text.match(/\{\w+\}/g) || []).sort();
  for (const key of Object.keys(nl)) {
    assert.ok(nl[key].trim() && en[key].trim(), key);
    assert.deepEqual(placeholders(en[key]), placeholders(nl[key]), key);
  }
});

test('every literal key the code translates exists', () => {
  const missing = [];
  for (const file of sources(SRC)) {
    for (const [, key] of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-z_]+\.[a-zA-Z_.]+|countdown)'/g)) {
      if (!(key in nl)) missing.push(`${key} (${file.slice(SRC.length)})`);
    }
  }
  assert.deepEqual(missing, [], `add error.<code> to frontend/src/i18n/nl.json and en.json for: ${missing}`);
});

// GOV.UK: an error names its field ("Vul de postcode in.", not "Vul dit in."), also in the
// error summary, where the message is all a link says.
test('every field the forms check has words of its own for the error', () => {
  const missing = [];
  for (const file of sources(SRC)) {
    for (const [, field, code] of readFileSync(file, 'utf8').matchAll(/\bfieldError\(\s*'([\w.]+)',\s*'(\w+)'/g)) {
      const last = field.split('.').pop();
      if (!(`error.${code}.${field}` in nl || `error.${code}.${last}` in nl)) missing.push(`error.${code}.${field}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every option of a fixed choice has a word', () => {
  for (const [prefix, values] of [
    [
      'province',
      ['BE-BRU', 'BE-VAN', 'BE-VLI', 'BE-VOV', 'BE-VBR', 'BE-VWV', 'BE-WBR', 'BE-WHT', 'BE-WLG', 'BE-WLX', 'BE-WNA'],
    ],
    ['transport', ['car', 'e_bike_moped', 'bike', 'public_transport']],
    ['day', ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']],
    ['form', ['block', 'alternating']],
    ['phase', ['before_open', 'requests_open', 'decisions_open', 'closed']],
    ['track', ['duaal', 'stage']],
  ]) {
    for (const value of values) assert.ok(`${prefix}.${value}` in nl, `${prefix}.${value}`);
  }
});

test('interpolate fills named placeholders and leaves unknown ones', () => {
  assert.equal(interpolate('Welkom, {name}', { name: 'Atheneum' }), 'Welkom, Atheneum');
  assert.equal(interpolate('{a} {b}', { a: 1 }), '1 {b}');
  assert.equal(translator({ hi: 'Dag {who}' })('hi', { who: 'Ann' }), 'Dag Ann');
  assert.equal(translator({})('missing.key'), 'missing.key');
  const counted = translator({ n: '{count} aanvragen', n_one: '1 aanvraag' });
  assert.equal(counted('n', { count: 1 }), '1 aanvraag');
  assert.equal(counted('n', { count: 2 }), '2 aanvragen');
  assert.equal(counted('n', { count: 0 }), '0 aanvragen');
});

// The server's messages are English: a Dutch page shows the catalog's words for each code.
// The problem codes (a problem's `code`) come from the server's registry and are checked
// against both catalogs by tests/test_error_registry.py; here, the codes of single fields
// (`errors[].code` of a validation_error), which are not problem types.
test('every field error code the backend can send has words in the catalogs', () => {
  const backend = new URL('../../backend/', import.meta.url).pathname;
  const python = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? python(path) : path.endsWith('.py') ? [path] : [];
    });
  const patterns = [
    /(?:FieldError\.at|_err)\([^,()]+,\s*"([a-z_]+)"/g, // field errors
    /"code": "([a-z_]+)"/g, // field errors written as dicts
  ];
  const codes = new Set();
  for (const path of python(backend)) {
    const text = readFileSync(path, 'utf8');
    for (const pattern of patterns) for (const found of text.matchAll(pattern)) codes.add(found[1]);
  }
  assert.ok(codes.size > 10, `only ${codes.size} codes found: the patterns no longer match`);
  const missing = [...codes].filter((code) => !(`error.${code}` in nl)).sort();
  assert.deepEqual(missing, [], `add error.<code> to frontend/src/i18n/nl.json and en.json for: ${missing}`);
});

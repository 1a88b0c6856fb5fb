// The client's national-number check gives the same verdict as the server's
// (backend/reference/national_number.py); the vectors come from make_national_number.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkNationalNumber, computeCheckDigits, formatNationalNumber } from '../src/lib/national-number.js';

const OPENING = { year: 2026, month: 9, day: 1 };

// [digits, ok, century or error code, birth date, is bis]
const VECTORS = [
  ['08041212333', true, 2000, '2008-04-12', false],
  ['99123100168', true, 1900, '1999-12-31', false],
  ['09422899832', true, 2000, '2009-02-28', true], // bis, gender known (+40)
  ['10260105545', true, 2000, '2010-06-01', true], // bis, gender unknown (+20)
  ['96030300797', true, 1900, '1996-03-03', false],
  ['08041212345', false, 'bad_check_digits'],
  ['85073003328', false, 'implausible_age'],
  ['12010100559', true, 2000, '2012-01-01', false], // 14 on the opening day
  ['08041200059', false, 'bad_counter'],
  ['08041299930', false, 'bad_counter'],
  ['08040012305', true, 2000, null, false], // day unknown
  ['08000012374', true, 2000, null, false], // month and day unknown
  ['08023012361', false, 'impossible_date'], // 30 February
  ['08130012368', false, 'impossible_date'], // month 13
];

test('verdicts match the server on every vector', () => {
  for (const [digits, ok, expected, birthDate, isBis] of VECTORS) {
    const result = checkNationalNumber(digits, OPENING);
    assert.equal(result.ok, ok, digits);
    if (ok) {
      assert.equal(result.century, expected, digits);
      assert.equal(result.birthDate, birthDate, digits);
      assert.equal(result.isBis, isBis, digits);
    } else {
      assert.equal(result.code, expected, digits);
    }
  }
});

test('births in 2000 or later prefix a 2 before the check', () => {
  assert.equal(computeCheckDigits('080412123', 2000), '33');
  assert.notEqual(computeCheckDigits('080412123', 1900), '33');
  assert.equal(computeCheckDigits('991231001', 1900), '68');
});

test('dots, dashes and spaces are accepted; other characters and lengths are not', () => {
  assert.equal(checkNationalNumber('08.04.12-123.33', OPENING).ok, true);
  assert.equal(checkNationalNumber(' 080412 123 33 ', OPENING).ok, true);
  assert.equal(checkNationalNumber('08/04/12-123.33', OPENING).code, 'not_digits');
  assert.equal(checkNationalNumber('0804121233', OPENING).code, 'wrong_length');
  assert.equal(checkNationalNumber('', OPENING).code, 'wrong_length');
});

test('the age counts on the reference date', () => {
  // 14 on 1 September 2026, 13 the day before.
  assert.equal(checkNationalNumber('12010100559', { year: 2025, month: 12, day: 31 }).code, 'implausible_age');
});

test('formats as YY.MM.DD-SSS.CC', () => {
  assert.equal(formatNationalNumber('08041212333'), '08.04.12-123.33');
});

// problem+json answers become an ApiError whose field errors a form shows at its inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, query, toApiError } from '../src/api.js';

test('field errors are keyed by field, the first error of each field wins', () => {
  const error = toApiError(422, {
    code: 'validation_error',
    title: 'The input is not valid',
    errors: [
      { field: 'national_number', code: 'bad_check_digits', message: 'check digits are wrong' },
      { field: 'body.email', code: 'value_error', message: 'not an e-mail address' },
      { field: 'contact_person.phone', code: 'invalid_phone', message: 'no phone number' },
      { field: 'national_number', code: 'second', message: 'ignored' },
    ],
  });
  assert.ok(error instanceof ApiError);
  assert.equal(error.status, 422);
  assert.equal(error.code, 'validation_error');
  assert.deepEqual(error.fields, {
    national_number: { code: 'bad_check_digits', message: 'check digits are wrong' },
    email: { code: 'value_error', message: 'not an e-mail address' },
    'contact_person.phone': { code: 'invalid_phone', message: 'no phone number' },
  });
});

test('a problem without field errors keeps its code and detail', () => {
  const error = toApiError(409, { code: 'supervisor_in_use', title: 'In use', detail: '2 requests' });
  assert.equal(error.code, 'supervisor_in_use');
  assert.equal(error.detail, '2 requests');
  assert.deepEqual(error.fields, {});
});

test('a refusal naming one field lands at that field', () => {
  const error = toApiError(409, { code: 'duplicate_request', detail: 'already entered', field: 'national_number' });
  assert.equal(error.code, 'duplicate_request');
  assert.deepEqual(error.fields, { national_number: { code: 'duplicate_request', message: 'already entered' } });
});

test('answers that are not problem+json still get a code', () => {
  assert.equal(toApiError(502, '<html>Bad gateway</html>').code, 'server_error');
  assert.equal(toApiError(0, null).code, 'network_error');
  assert.equal(toApiError(404, null).code, 'http_error');
  assert.deepEqual(toApiError(422, { errors: [null, { code: 'x' }] }).fields, {});
});

test('query strings skip empty values and repeat lists', () => {
  assert.equal(query({ track: 'duaal', q: '', status: null, days: ['mon', 'fri'] }), '?track=duaal&days=mon&days=fri');
  assert.equal(query({}), '');
});

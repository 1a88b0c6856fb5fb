// Form rules that mirror the server's, so a form can say what is wrong before sending.

export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 128;
// A few of the most common passwords of 12+ characters; the server checks the full list.
const COMMON = new Set([
  '123456789012',
  '1234567890123',
  'qwertyuiopas',
  'wachtwoord123',
  'password1234',
  'passwordpassword',
  'aaaaaaaaaaaa',
  'welkom123456',
  'azertyuiopqs',
  '111111111111',
]);

/** The password rules, each with whether the password meets it (shown as the user types). */
export function passwordChecks(password) {
  const value = password ?? '';
  return [
    { key: 'password.rule_length', ok: value.length >= MIN_PASSWORD && value.length <= MAX_PASSWORD },
    { key: 'password.rule_common', ok: value.length > 0 && !COMMON.has(value.toLowerCase()) },
  ];
}

/** Both dates or neither, and the end not before the start: field -> error code. */
export function checkDates(start, end) {
  if (start && !end) return { end_date: 'dates_both' };
  if (end && !start) return { start_date: 'dates_both' };
  if (start && end && end < start) return { end_date: 'end_before_start' };
  return {};
}

export function isPostcode(value) {
  return /^[0-9]{4}$/.test(value ?? '');
}

export function isEmail(value) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value ?? '');
}

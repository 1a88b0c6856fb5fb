// Form rules that mirror the server's, so a form can say what is wrong before sending.
// (The password rules are the server's alone: views/account/password-fields.js asks it.)

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

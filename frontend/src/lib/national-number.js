// Belgian national register (and bis) numbers, YYMMDDSSSCC: the same rules as the server's
// backend/reference/national_number.py, so the form can say what is wrong while typing.

const SEPARATORS = /[.\-\s]/g;
// Bis numbers add 20 to the month when the gender is unknown, 40 when it is known.
const BIS_OFFSETS = [40, 20];

export function normalizeNationalNumber(raw) {
  const digits = String(raw ?? '').replace(SEPARATORS, '');
  if (!/^[0-9]*$/.test(digits)) return { error: 'not_digits' };
  if (digits.length !== 11) return { error: 'wrong_length' };
  return { digits };
}

export function computeCheckDigits(firstNine, century) {
  // Ten digits at most: well inside a double's exact integer range.
  const base = Number((century === 2000 ? '2' : '') + firstNine);
  return String(97 - (base % 97)).padStart(2, '0');
}

function daysInMonth(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function birthSpan(year, month, day) {
  // Unknown (00) parts widen the span of possible birth dates.
  if (month === 0)
    return [
      [year, 1, 1],
      [year, 12, 31],
    ];
  if (day === 0)
    return [
      [year, month, 1],
      [year, month, daysInMonth(year, month)],
    ];
  if (day > daysInMonth(year, month)) return null;
  return [
    [year, month, day],
    [year, month, day],
  ];
}

function ageOn([y, m, d], on) {
  const before = on.month < m || (on.month === m && on.day < d);
  return on.year - y - (before ? 1 : 0);
}

/**
 * Validates a national or bis number; `referenceDate` ({year, month, day}) is the campaign's
 * opening, on which the pupil must be between minAge and maxAge.
 * Returns {ok: true, digits, birthDate, isBis, century} or {ok: false, code}.
 */
export function checkNationalNumber(raw, referenceDate, { minAge = 14, maxAge = 30 } = {}) {
  const normal = normalizeNationalNumber(raw);
  if (normal.error) return { ok: false, code: normal.error };
  const digits = normal.digits;
  const centuries = [1900, 2000].filter((c) => computeCheckDigits(digits.slice(0, 9), c) === digits.slice(9));
  if (!centuries.length) return { ok: false, code: 'bad_check_digits' };

  const yy = Number(digits.slice(0, 2));
  const rawMonth = Number(digits.slice(2, 4));
  const day = Number(digits.slice(4, 6));
  let month = rawMonth;
  let isBis = false;
  for (const offset of BIS_OFFSETS) {
    if (rawMonth >= offset) {
      month = rawMonth - offset;
      isBis = true;
      break;
    }
  }
  if (month > 12 || day > 31) return { ok: false, code: 'impossible_date' };
  const counter = Number(digits.slice(6, 9));
  if (counter < 1 || counter > 998) return { ok: false, code: 'bad_counter' };

  const spans = [];
  for (const century of centuries) {
    const span = birthSpan(century + yy, month, day);
    if (span) spans.push([century, ...span]);
  }
  if (!spans.length) return { ok: false, code: 'impossible_date' };
  const plausible = spans.filter(
    ([, earliest, latest]) => ageOn(latest, referenceDate) <= maxAge && ageOn(earliest, referenceDate) >= minAge,
  );
  if (!plausible.length) return { ok: false, code: 'implausible_age' };
  const century = plausible[0][0];
  const birthDate =
    month && day ? `${century + yy}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` : null;
  return { ok: true, digits, birthDate, isBis, century };
}

export function formatNationalNumber(digits) {
  const d = String(digits);
  if (d.length !== 11) return d;
  return `${d.slice(0, 2)}.${d.slice(2, 4)}.${d.slice(4, 6)}-${d.slice(6, 9)}.${d.slice(9)}`;
}

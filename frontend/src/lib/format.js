// Dates and times are shown in Europe/Brussels, whatever the computer's own time zone.
import { getLanguage } from '../i18n/index.js';

const ZONE = 'Europe/Brussels';
const locale = () => (getLanguage() === 'en' ? 'en-GB' : 'nl-BE');

// Building an Intl formatter is slow; an overview formats thousands of dates with a few.
const formatters = new Map();
function formatter(options) {
  const key = `${locale()}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.DateTimeFormat(locale(), options));
  return formatters.get(key);
}

export function formatDate(value) {
  if (!value) return '';
  // A plain date (2026-09-01) is a calendar day: no time-zone shift.
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    return formatter({ dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
  }
  return formatter({ dateStyle: 'medium', timeZone: ZONE }).format(new Date(value));
}

export function formatDateTime(value) {
  if (!value) return '';
  return formatter({ dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(new Date(value));
}

export function formatTime(value) {
  if (!value) return '';
  return formatter({ timeStyle: 'short', timeZone: ZONE }).format(new Date(value));
}

/** The calendar day in Brussels of an instant, as {year, month, day}. */
export function brusselsDay(value) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(value));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** Milliseconds -> {days, hours, minutes}, never negative. Pure. */
export function splitDuration(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  return { days: Math.floor(minutes / 1440), hours: Math.floor((minutes % 1440) / 60), minutes: minutes % 60 };
}

/**
 * A Belgian number stored as E.164 (+3250123456) in the way Belgians write it (050 12 34 56,
 * 0470 12 34 56); other countries' numbers stay as they are. Pure.
 */
export function formatPhone(value) {
  const found = /^\+32(\d{8,9})$/.exec(value ?? '');
  if (!found) return value ?? '';
  const n = `0${found[1]}`;
  if (n.length === 10) return `${n.slice(0, 4)} ${n.slice(4, 6)} ${n.slice(6, 8)} ${n.slice(8)}`; // mobile
  // Brussels, Antwerp, Liège and Ghent have one-digit zones; the rest two digits.
  if (/^0[2349]/.test(n)) return `${n.slice(0, 2)} ${n.slice(2, 5)} ${n.slice(5, 7)} ${n.slice(7)}`;
  return `${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`;
}

/** An instant's day and time in Brussels, as a date input and a time input hold them:
 * {date: '2026-12-03', time: '14:00'}. Pure. */
export function brusselsInputs(value) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(value));
  const get = (type) => parts.find((p) => p.type === type).value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

/** A day and time on the clock in Brussels ('2026-12-03', '14:00') as an instant in UTC
 * (ISO 8601 with Z), whatever the computer's own time zone; null when either is not valid. Pure. */
export function brusselsInstant(date, time) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  const h = /^(\d{2}):(\d{2})$/.exec(time ?? '');
  if (!d || !h) return null;
  const wall = Date.UTC(+d[1], +d[2] - 1, +d[3], +h[1], +h[2]);
  // Brussels is UTC+1 or UTC+2: try both offsets, keep the one whose wall clock matches.
  for (const hours of [1, 2]) {
    const at = wall - hours * 3600000;
    const shown = brusselsInputs(at);
    if (shown.date === date && shown.time === time) return new Date(at).toISOString();
  }
  return null;
}

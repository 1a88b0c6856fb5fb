// Dates and times are shown in Europe/Brussels, whatever the computer's own time zone.
import { getLanguage } from '../i18n/index.js';

const ZONE = 'Europe/Brussels';
const locale = () => (getLanguage() === 'en' ? 'en-GB' : 'nl-BE');

export function formatDate(value) {
  if (!value) return '';
  // A plain date (2026-09-01) is a calendar day: no time-zone shift.
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(Date.UTC(y, m - 1, d)),
    );
  }
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: ZONE }).format(new Date(value));
}

export function formatDateTime(value) {
  if (!value) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(
    new Date(value),
  );
}

/** The calendar day in Brussels of an instant, as {year, month, day}. */
export function brusselsDay(value) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(value));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** Milliseconds -> {days, hours, minutes}, never negative. Pure. */
export function splitDuration(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  return { days: Math.floor(minutes / 1440), hours: Math.floor((minutes % 1440) / 60), minutes: minutes % 60 };
}

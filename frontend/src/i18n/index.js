// Translations: nl.json and en.json hold the same keys; Dutch is the default and the choice
// is remembered in this browser.
export const LANGUAGES = ['nl', 'en'];
const STORAGE_KEY = 'stagematch.language';

let language = 'nl';
let catalog = {};
const listeners = new Set();

/** Replaces {name} placeholders with params.name. Pure. */
export function interpolate(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A t() over one catalog, falling back to the key itself so a gap shows, not crashes. With
 * params.count === 1, the key `<key>_one` is used when the catalog has it ("1 aanvraag"). */
export function translator(messages) {
  return (key, params) => lookup(messages, key, params);
}

function lookup(messages, key, params) {
  const chosen = params && params.count === 1 && `${key}_one` in messages ? `${key}_one` : key;
  return interpolate(chosen in messages ? messages[chosen] : key, params);
}

export function t(key, params) {
  return lookup(catalog, key, params);
}

export function has(key) {
  return key in catalog;
}

/** The codes the catalog has words for under `prefix.` (e.g. the audit actions), sorted. */
export function codesUnder(prefix) {
  const start = `${prefix}.`;
  return Object.keys(catalog)
    .filter((key) => key.startsWith(start))
    .map((key) => key.slice(start.length))
    .sort();
}

export function getLanguage() {
  return language;
}

export function storedLanguage() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(saved) ? saved : 'nl';
  } catch {
    return 'nl';
  }
}

export async function setLanguage(next) {
  const chosen = LANGUAGES.includes(next) ? next : 'nl';
  const response = await fetch(`/src/i18n/${chosen}.json`);
  catalog = await response.json();
  language = chosen;
  document.documentElement.lang = chosen;
  try {
    localStorage.setItem(STORAGE_KEY, chosen);
  } catch {
    // private mode: the choice lasts for this page only
  }
  for (const listener of listeners) listener(chosen);
}

export function onLanguage(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

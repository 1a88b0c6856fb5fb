// A small history-based router: the API serves index.html for every non-API path.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

function current() {
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

export function navigate(to, { replace = false } = {}) {
  if (to === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', to);
  for (const listener of listeners) listener(current());
}

addEventListener('popstate', () => {
  for (const listener of listeners) listener(current());
});

export function useLocation() {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    listeners.add(setLocation);
    return () => listeners.delete(setLocation);
  }, []);
  return location;
}

/** "/school/requests/:id" against "/school/requests/42" -> {id: "42"}, or null. */
export function match(pattern, path) {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

/** Same-origin links navigate without a page load; modified clicks keep the browser's way. */
export function interceptLinks(root) {
  root.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[href]');
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    // A link within the page (the skip link to #main) is the browser's to follow.
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

function sameValue(value, fallback) {
  if (Array.isArray(fallback)) return Array.isArray(value) && value.length === 0 && fallback.length === 0;
  return value === fallback || value === undefined || value === null || value === '';
}

/**
 * A list's filters, sort and page kept in the query string, so that a reload and the back
 * button bring them back. `defaults` names the keys (an array for a repeated key, e.g.
 * `province`); a value equal to its default stays out of the address. `set(changes)` adds a
 * history entry (`{replace: true}` does not).
 */
export function useQueryState(search, defaults) {
  const values = {};
  for (const [key, fallback] of Object.entries(defaults)) {
    if (Array.isArray(fallback)) values[key] = search.has(key) ? search.getAll(key) : fallback;
    else values[key] = search.has(key) ? search.get(key) : fallback;
  }
  const set = (changes, { replace = false } = {}) => {
    const next = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(changes)) {
      next.delete(key);
      if (sameValue(value, defaults[key])) continue;
      for (const item of Array.isArray(value) ? value : [value]) next.append(key, item);
    }
    const text = next.toString();
    navigate(location.pathname + (text ? `?${text}` : ''), { replace });
  };
  return [values, set];
}

// What changed without the user's doing, said politely: the one live region of index.html
// (#announcer, there from the page's load and never re-created, outside the app's root, so a
// screen reader knows it before anything is said in it). A list hears from the live stream
// that something changed; `useChangeAnnouncer` compares its rows before and after and names
// each change once ("Ruben Desmet: Uitgenodigd door Gezinszorg Leuven").
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/index.js';

// A line stays a while (a test, or a braille display, can read it), then goes quietly.
const KEEP_MS = 15000;
// More changes than this at once (an import of 200 pupils) are said as one count.
const MAX_NAMED = 3;
// A change the user made here is said by its own message, not again when the stream echoes it.
const OWN_MS = 10000;

/** Says `text` politely, once. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region || !text) return;
  const line = document.createElement('p');
  line.textContent = text;
  region.append(line);
  setTimeout(() => line.remove(), KEEP_MS);
}

/** The lines that say how `after` differs from `before` (maps of id -> {name, words}). */
export function changeLines(before, after, skip = () => false) {
  const lines = [];
  for (const [id, now] of after) {
    if (skip(id)) continue;
    const was = before.get(id);
    if (!was) lines.push(t('live.added', { name: now.name }));
    else if (was.words !== now.words) lines.push(t('live.changed', { name: now.name, words: now.words }));
  }
  for (const [id, was] of before) {
    if (!after.has(id) && !skip(id)) lines.push(t('live.removed', { name: was.name }));
  }
  return lines.length > MAX_NAMED ? [t('live.many', { count: lines.length })] : lines;
}

/**
 * A list that the live stream reloads: `rows` as shown, `loading` while a load is on its way,
 * `shape` its filters (a load for other filters says nothing), `name(row)` and `words(row)`
 * (the row's status as the list shows it). `heard()` when the stream says something changed;
 * once the next load is complete, each row whose words changed, that came or that left is
 * announced. `own(id)`: the user changed that row here (its message says so).
 */
export function useChangeAnnouncer({ rows, loading, shape = '', name, words }) {
  const shown = useRef(null); // {shape, rows: Map} of the last complete load
  const before = useRef(null); // the same, as it was when the stream spoke
  const mine = useRef(new Map()); // id -> until when a change is the user's own
  useEffect(() => {
    if (loading) return;
    const now = new Map(rows.map((r) => [r.id, { name: name(r), words: words(r) }]));
    const was = before.current;
    before.current = null;
    if (was && was.shape === shape) {
      const at = Date.now();
      for (const line of changeLines(was.rows, now, (id) => (mine.current.get(id) ?? 0) > at)) announce(line);
    }
    shown.current = { shape, rows: now };
  }, [rows, loading, shape]);
  return {
    heard() {
      if (!before.current && shown.current) before.current = shown.current;
    },
    own(id) {
      if (id) mine.current.set(id, Date.now() + OWN_MS);
    },
  };
}

// Where focus goes when an action takes away the control that had it (WCAG 2.4.3): to the
// action's result (its message) or, when there is none, the page's heading; never to <body>.
// One mechanism for every view: `useResult()` gives a view a place for its messages and a way
// to send the focus there once the message is drawn; the dialog (dialog.js) uses the same rule
// when its opener is gone. Also here (small, loaded at start): whether a list is shown, for
// the layout's skip link to the results.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';

/** Whether focus can go (back) to `el`: in the page, shown and not disabled. */
export function canFocus(el) {
  return !!el && el !== document.body && el.isConnected && !el.disabled && el.getClientRects().length > 0;
}

/** Focuses `el` when it says something (a message), else the page's heading. */
export function focusResult(el) {
  const target = el?.isConnected && el.textContent.trim() ? el : document.querySelector('main h1');
  if (!target) return;
  // A message is not a control: reachable by script only, not by Tab.
  if (!target.hasAttribute('tabindex') && target.tabIndex < 0) target.setAttribute('tabindex', '-1');
  target.focus();
}

/**
 * A view's result: `<${Result} result=${result}>` holds its messages (the success and error
 * alerts); `result.focus()` after an action moves the focus there once the page has drawn
 * them (after a dialog's own cleanup), or to the heading when nothing is shown.
 */
export function useResult() {
  const ref = useRef(null);
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    if (asked) focusResult(ref.current);
  }, [asked]);
  const focus = useCallback(() => setAsked((n) => n + 1), []);
  return { ref, focus };
}

export function Result({ result, children }) {
  return html`<div class="result" tabindex="-1" ref=${result.ref}>${children}</div>`;
}

// While a page shows a list, the layout offers a second skip link, "Naar de resultaten", to
// its count (#results): past the header, the banner and the filters in one step.
const listWatchers = new Set();
let listsShown = 0;
export function listShown(delta) {
  listsShown += delta;
  for (const watcher of listWatchers) watcher(listsShown > 0);
}

/** Whether the page shows a list (for the layout's skip link to it). */
export function useListShown() {
  const [shown, setShown] = useState(listsShown > 0);
  useEffect(() => {
    listWatchers.add(setShown);
    setShown(listsShown > 0);
    return () => listWatchers.delete(setShown);
  }, []);
  return shown;
}

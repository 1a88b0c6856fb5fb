// Form state with the server's field errors, after the GOV.UK and Vlaanderen UI error pattern:
// a refused save lists every error at the top of the form (a titled summary that takes focus,
// each error a link to its field) and shows each at its input. While the form is sent its
// buttons stay focusable (aria-disabled); once it is sent, focus moves to the result.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n/index.js';
import { errorText, fieldErrorText } from './field.js';

let counter = 0;

/**
 * `options.ids` maps a field's name to its input's id where they differ (a form whose inputs
 * carry a prefix because another form with the same fields can be open beside it).
 */
export function useForm(initial, { ids = {} } = {}) {
  const [values, setValues] = useState(initial);
  const [serverErrors, setServerErrors] = useState({});
  const [clientErrors, setClientErrors] = useState({});
  const [formError, setFormError] = useState(null);
  // What the summary lists: the errors of the last refused attempt, [{field, id, text, linked}].
  const [summary, setSummary] = useState(null);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const ref = useRef(null);
  const summaryRef = useRef(null);
  const sending = useRef(false);
  const idOf = (field) => ids[field] ?? field;

  // GOV.UK: the summary takes focus on every refused attempt, so it is read out first and a
  // keyboard user is one Tab from the links to the fields.
  useEffect(() => {
    if (attempt) summaryRef.current?.focus();
  }, [attempt]);

  const set = (name) => (value) => {
    setValues((v) => ({ ...v, [name]: value }));
    setServerErrors((errors) => {
      if (!(name in errors)) return errors;
      const { [name]: _, ...rest } = errors;
      return rest;
    });
  };

  /** Shows a refused attempt: the summary of `fields` (field -> text) and `message`. */
  function showRefusal(fields, message) {
    setFormError(message);
    setSummary(summaryItems(fields, idOf, ref.current));
    setAttempt((n) => n + 1);
  }

  /** Runs the action; an ApiError spreads over the fields it names and the form's summary.
   * A second press while the first is under way does nothing (the button is aria-disabled). */
  async function submit(action) {
    if (sending.current) return undefined;
    sending.current = true;
    setBusy(true);
    const ancestors = [];
    for (let at = ref.current; at; at = at.parentElement) ancestors.push(at);
    const before = { focused: document.activeElement, href: location.href, ancestors };
    try {
      const result = await action(values);
      setFormError(null);
      setSummary(null);
      focusResult(before);
      return result;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const fields = {};
      for (const [field, { code, message }] of Object.entries(error.fields)) {
        fields[field] = fieldErrorText(field, code, message);
      }
      setServerErrors(fields);
      // Errors of fields the form does not show still reach the summary.
      showRefusal(fields, Object.keys(fields).length ? null : errorText(error.code, error.detail));
      return undefined;
    } finally {
      sending.current = false;
      setBusy(false);
    }
  }

  /** Marks client-side errors (`problems`, field -> text) as a refused attempt. */
  function refuse(problems = {}) {
    showRefusal(problems, Object.keys(problems).length ? null : t('form.check_fields'));
  }

  /** The form's own checks before saving: shows `problems` (field -> text) at their inputs and,
   * when there is any, refuses the attempt. Returns whether the values passed (never while
   * the form is being sent). */
  function check(problems) {
    if (sending.current) return false;
    setClientErrors(problems);
    if (!Object.keys(problems).length) return true;
    refuse(problems);
    return false;
  }

  // What each input shows: the form's own finding, or the server's, which knows more.
  const errors = { ...clientErrors, ...serverErrors };

  return {
    values,
    setValues,
    set,
    errors,
    serverErrors,
    setServerErrors,
    formError,
    setFormError,
    summary,
    summaryRef,
    busy,
    submit,
    check,
    refuse,
    ref,
  };
}

/** The summary's lines in the order of the fields on the page (errors of a field that is not
 * on the page last, without a link). */
function summaryItems(fields, idOf, root) {
  const items = Object.entries(fields)
    .filter(([, text]) => text)
    .map(([field, text]) => {
      const id = idOf(field);
      return { field, id, text, target: document.getElementById(id) };
    });
  const rank = (item) => (item.target && root?.contains(item.target) ? 0 : 1);
  items.sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if (!a.target || !b.target || rank(a)) return 0;
    return a.target.compareDocumentPosition(b.target) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  });
  return items.map(({ field, id, text, target }) => ({ field, id, text, linked: Boolean(target) }));
}

/** Moves focus to a field named in the summary: its input, or a group's first (or chosen)
 * choice, with its label or legend scrolled into view above it. */
export function focusField(id) {
  const target = document.getElementById(id);
  if (!target) return;
  const group = target.tagName === 'FIELDSET';
  const input = group
    ? target.querySelector('input:checked') || target.querySelector('input, select, textarea')
    : target;
  const label = group ? target.querySelector('legend') : target.labels?.[0];
  (label || target).scrollIntoView({ block: 'start' });
  input?.focus({ preventScroll: true });
}

/** The titled list of a refused attempt's errors, each a link to its field; a server error that
 * names no field is its one line. Put it first in the form. */
export function ErrorSummary({ form }) {
  const [titleId] = useState(() => `error-summary-${++counter}`);
  const { summary, formError } = form;
  if (!formError && !summary?.length) return null;
  return html`
    <div class="error-summary" role="alert" tabindex="-1" aria-labelledby=${titleId} ref=${form.summaryRef}>
      <h2 class="error-summary-title" id=${titleId}>${t('form.problem_title')}</h2>
      ${formError && html`<p>${formError}</p>`}
      ${
        summary?.length > 0 &&
        html`
        <ul class="error-summary-list">
          ${summary.map((item) =>
            item.linked
              ? html`<li key=${item.field}><a href=${`#${item.id}`} onClick=${(event) => {
                  event.preventDefault();
                  focusField(item.id);
                }}>${item.text}</a></li>`
              : html`<li key=${item.field}>${item.text}</li>`,
          )}
        </ul>`
      }
    </div>`;
}

/** A form's button: while the form is sent it says so (aria-disabled) but keeps its focus, so
 * a keyboard or screen-reader user is not dropped to the top of the page; the form ignores
 * the press. `type="button"` buttons pass their own onClick. */
export function SubmitButton({ form, type = 'submit', children, ...rest }) {
  return html`<button type=${type} aria-disabled=${form.busy ? 'true' : undefined} ...${rest}>${children}</button>`;
}

/**
 * After a successful send, once the page is drawn: when nothing else took the focus (the
 * view focused a field, a dialog gave it back to its opener, or a new page its heading), it
 * moves to the result: the success message nearest the form, else the page's heading.
 */
function focusResult(before) {
  // After the render (a task) and after the effects it set off (a frame, then a task), so a
  // field or dialog the view focuses in an effect is seen as taken.
  setTimeout(() => requestAnimationFrame(() => setTimeout(() => moveFocus(before), 0)), 0);
}

function moveFocus(before) {
  if (location.href !== before.href) return;
  const now = document.activeElement;
  const lost = !now || now === document.body || !now.isConnected;
  if (!lost && now !== before.focused) return;
  // The form, or what is left of the page around it when it is gone.
  const scope = before.ancestors.find((at) => at.isConnected);
  let found = null;
  for (let at = scope; at && !found; at = at.parentElement) found = at.querySelector('.alert-success');
  const target = found || document.querySelector('main h1');
  if (!target) return;
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
}

// An error shown when a field loses focus pushes what follows down. When the focus left
// because the user pressed on the next control, the error waits until the press is over,
// so the click lands where it was aimed.
let pressed = false;
addEventListener('pointerdown', () => {
  pressed = true;
});
addEventListener('pointerup', () => {
  // click fires after pointerup in the same task; the error comes after it
  setTimeout(() => {
    pressed = false;
  }, 0);
});

/** Runs `show` now, or once the pointer pressed right now is released and its click done. */
export function afterPress(show) {
  if (!pressed) return show();
  addEventListener('pointerup', () => setTimeout(show, 0), { once: true });
  // A press that never ends here (dragged out of the window) does not hold the error forever.
  setTimeout(() => {
    if (pressed) show();
  }, 1500);
}

// A modal on the native <dialog>: the browser traps focus, Escape closes, focus returns to
// the control that opened it or, when that is gone or disabled (the action changed the
// page), to the page's heading; a view that shows the action's result moves it there after
// (focus.js).
import { useLayoutEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { t } from '../i18n/index.js';
import { fieldError, TextArea } from './field.js';
import { canFocus, focusResult } from './focus.js';
import { ErrorSummary, SubmitButton, useForm } from './form.js';

let counter = 0;

export function Dialog({ title, onClose, children }) {
  const ref = useRef(null);
  const titleId = useRef(`dialog-title-${++counter}`).current;
  // A layout effect: its cleanup runs as the dialog leaves the page, before any effect of
  // that render. A passive one (useEffect) is cleaned up only after the next paint in Preact
  // 11; when the request's reload re-rendered the view before that, the view had focused the
  // action's message already (its pending effect runs first), and the late cleanup took the
  // focus away again, to the heading once the opener was gone.
  useLayoutEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      if (canFocus(opener)) opener.focus();
      else focusResult(null);
    };
  }, []);
  return html`
    <dialog ref=${ref} class="dialog" aria-labelledby=${titleId}
      onCancel=${(e) => {
        e.preventDefault();
        onClose();
      }}>
      <h2 id=${titleId}>${title}</h2>
      ${children}
    </dialog>`;
}

/**
 * A dialog that asks one reason and sends it: `send(reason)` posts it (an empty optional reason
 * is sent as null). `required` and `minLength` (with its `tooShort` words) are checked here
 * first; the server's own field error shows at the same place.
 */
export function ReasonDialog({
  title,
  intro,
  label,
  hint,
  submit,
  danger,
  required,
  minLength,
  tooShort,
  maxLength = 2000,
  send,
  onClose,
}) {
  const form = useForm({ reason: '' });
  async function onSubmit(event) {
    event.preventDefault();
    const reason = form.values.reason.trim();
    const problem =
      required && !reason ? fieldError('reason', 'required') : minLength && reason.length < minLength ? tooShort : null;
    if (!form.check(problem ? { reason: problem } : {})) return;
    await form.submit(() => send(reason || null));
  }
  return html`
    <${Dialog} title=${title} onClose=${onClose}>
      <form ref=${form.ref} onSubmit=${onSubmit} novalidate>
        <p>${intro}</p>
        <${ErrorSummary} form=${form} />
        <${TextArea} id="reason" required=${required} maxlength=${maxLength} label=${label} hint=${hint}
          value=${form.values.reason} onInput=${form.set('reason')} error=${form.errors.reason} />
        <div class="actions">
          <${SubmitButton} form=${form} class=${danger ? 'primary danger' : 'primary'}>${submit}</${SubmitButton}>
          <button type="button" onClick=${onClose}>${t('common.cancel')}</button>
        </div>
      </form>
    </${Dialog}>`;
}

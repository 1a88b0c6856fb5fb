// Form state with the server's field errors: a refused save shows each error at its input,
// announces a summary and moves focus to the first wrong field.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { has, t } from '../i18n/index.js';
import { errorText } from './field.js';

export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [serverErrors, setServerErrors] = useState({});
  const [clientErrors, setClientErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const ref = useRef(null);

  useEffect(() => {
    if (!attempt) return;
    const invalid = ref.current?.querySelector('[aria-invalid="true"], fieldset.has-error input');
    invalid?.focus();
  }, [attempt]);

  const set = (name) => (value) => {
    setValues((v) => ({ ...v, [name]: value }));
    setServerErrors((errors) => {
      if (!(name in errors)) return errors;
      const { [name]: _, ...rest } = errors;
      return rest;
    });
  };

  /** Runs the action; an ApiError spreads over the fields it names and the form's summary. */
  async function submit(action) {
    setBusy(true);
    setFormError(null);
    try {
      return await action(values);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const fields = {};
      for (const [field, { code, message }] of Object.entries(error.fields)) {
        // "value_error" on an e-mail field reads better as "not a valid e-mail address".
        const specific = `${code}.${field.split('.').pop()}`;
        fields[field] = errorText(has(`error.${specific}`) ? specific : code, message);
      }
      setServerErrors(fields);
      setFormError(Object.keys(fields).length ? t('form.check_fields') : errorText(error.code, error.detail));
      setAttempt((n) => n + 1);
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  /** Marks client-side errors as a refused attempt (summary, focus on the first). */
  function refuse() {
    setFormError(t('form.check_fields'));
    setAttempt((n) => n + 1);
  }

  /** The form's own checks before saving: shows `problems` (field -> text) at their inputs and,
   * when there is any, refuses the attempt. Returns whether the values passed. */
  function check(problems) {
    setClientErrors(problems);
    if (!Object.keys(problems).length) return true;
    refuse();
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
    busy,
    submit,
    check,
    refuse,
    ref,
  };
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

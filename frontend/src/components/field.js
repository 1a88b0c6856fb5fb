// Labelled inputs: every input has a label; its hint and its error sit between the label and
// the input (GOV.UK: the message above the input), linked by aria-describedby, and
// aria-invalid marks it. A group of choices is a fieldset whose legend names it.
import { html } from '../html.js';
import { getLanguage, has, t } from '../i18n/index.js';

function describedBy(id, hint, error) {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

function Messages({ id, hint, error }) {
  return html`
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
  `;
}

export function TextField({ id, label, value, onInput, error, hint, type = 'text', required, ...rest }) {
  return html`
    <div class=${`field${error ? ' has-error' : ''}`}>
      <label for=${id}>${label}${required && html`<span class="required" aria-hidden="true"> *</span>`}</label>
      <${Messages} id=${id} hint=${hint} error=${error} />
      <input id=${id} name=${id} type=${type} value=${value ?? ''} required=${required}
        aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
        onInput=${(e) => onInput(e.currentTarget.value)} ...${rest} />
    </div>`;
}

export function TextArea({ id, label, value, onInput, error, hint, required, ...rest }) {
  return html`
    <div class=${`field${error ? ' has-error' : ''}`}>
      <label for=${id}>${label}${required && html`<span class="required" aria-hidden="true"> *</span>`}</label>
      <${Messages} id=${id} hint=${hint} error=${error} />
      <textarea id=${id} name=${id} value=${value ?? ''} required=${required} aria-invalid=${error ? 'true' : undefined}
        aria-describedby=${describedBy(id, hint, error)} onInput=${(e) => onInput(e.currentTarget.value)}
        ...${rest}></textarea>
    </div>`;
}

export function SelectField({ id, label, value, onChange, options, error, hint, required, placeholder, ...rest }) {
  return html`
    <div class=${`field${error ? ' has-error' : ''}`}>
      <label for=${id}>${label}${required && html`<span class="required" aria-hidden="true"> *</span>`}</label>
      <${Messages} id=${id} hint=${hint} error=${error} />
      <select id=${id} name=${id} value=${value ?? ''} required=${required}
        aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
        onChange=${(e) => onChange(e.currentTarget.value)} ...${rest}>
        ${placeholder !== undefined && html`<option value="">${placeholder}</option>`}
        ${options.map((o) => html`<option value=${o.value} selected=${o.value === value}>${o.label}</option>`)}
      </select>
    </div>`;
}

/** A group of checkboxes (multiple) or radios (single), in a fieldset with a legend. The group
 * carries the error: its message under the legend (the fieldset's description), every choice
 * marked invalid; a required group says so in its legend. */
export function ChoiceGroup({ id, legend, options, value, onChange, error, multiple = true, required, inline = true }) {
  const chosen = multiple ? (value ?? []) : value;
  const toggle = (option) => {
    if (!multiple) return onChange(option);
    onChange(chosen.includes(option) ? chosen.filter((v) => v !== option) : [...chosen, option]);
  };
  return html`
    <fieldset id=${id} class=${`field choices${inline ? ' inline' : ''}${error ? ' has-error' : ''}`}
      aria-describedby=${error ? `${id}-error` : undefined}>
      <legend>${legend}${required && html`<span class="required" aria-hidden="true"> *</span><span class="visually-hidden"> (${t('form.required')})</span>`}</legend>
      ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
      ${options.map(
        (o) => html`
          <label class="choice">
            <input type=${multiple ? 'checkbox' : 'radio'} name=${id} value=${o.value}
              checked=${multiple ? chosen.includes(o.value) : chosen === o.value}
              aria-invalid=${error ? 'true' : undefined} onChange=${() => toggle(o.value)} />
            <span>${o.label}</span>
          </label>`,
      )}
    </fieldset>`;
}

// A server code that means "nothing was given" reads as the field's "required" words.
const SAME_AS = { missing: 'required', string_too_short: 'required' };

function fieldKey(field, code) {
  const last = field.split('.').pop();
  for (const c of [code, SAME_AS[code]].filter(Boolean)) {
    for (const key of [`error.${c}.${field}`, `error.${c}.${last}`]) if (has(key)) return key;
  }
  return null;
}

/**
 * The words for an error at one field, naming the field ("Vul de postcode in.", "Kies minstens
 * één dag."): `error.<code>.<field>` (also for the last part of "contact_person.email"),
 * else the code's own words. For the form's own checks: fieldError('postcode', 'required').
 */
export function fieldError(field, code, params) {
  const key = fieldKey(field, code);
  return key ? t(key, params) : t(`error.${code}`, params);
}

/** The same for an error the server sent at a field, with its (English) message. */
export function fieldErrorText(field, code, fallback) {
  const key = fieldKey(field, code);
  return key ? t(key) : errorText(code, fallback);
}

/**
 * The message for an error code: the client's own words when it has them. The server's own
 * message (`fallback`) is English, so a Dutch page shows a plain general sentence instead.
 */
export function errorText(code, fallback) {
  const key = `error.${code}`;
  if (has(key)) return t(key);
  return getLanguage() === 'en' && fallback ? fallback : t('error.invalid');
}

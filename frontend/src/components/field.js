// Labelled inputs: every input has a label, its error sits under it and is linked by
// aria-describedby, and aria-invalid marks it.
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
      <input id=${id} name=${id} type=${type} value=${value ?? ''} required=${required}
        aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
        onInput=${(e) => onInput(e.currentTarget.value)} ...${rest} />
      <${Messages} id=${id} hint=${hint} error=${error} />
    </div>`;
}

export function TextArea({ id, label, value, onInput, error, hint, required, ...rest }) {
  return html`
    <div class=${`field${error ? ' has-error' : ''}`}>
      <label for=${id}>${label}${required && html`<span class="required" aria-hidden="true"> *</span>`}</label>
      <textarea id=${id} name=${id} value=${value ?? ''} required=${required} aria-invalid=${error ? 'true' : undefined}
        aria-describedby=${describedBy(id, hint, error)} onInput=${(e) => onInput(e.currentTarget.value)}
        ...${rest}></textarea>
      <${Messages} id=${id} hint=${hint} error=${error} />
    </div>`;
}

export function SelectField({ id, label, value, onChange, options, error, hint, required, placeholder, ...rest }) {
  return html`
    <div class=${`field${error ? ' has-error' : ''}`}>
      <label for=${id}>${label}${required && html`<span class="required" aria-hidden="true"> *</span>`}</label>
      <select id=${id} name=${id} value=${value ?? ''} required=${required}
        aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
        onChange=${(e) => onChange(e.currentTarget.value)} ...${rest}>
        ${placeholder !== undefined && html`<option value="">${placeholder}</option>`}
        ${options.map((o) => html`<option value=${o.value} selected=${o.value === value}>${o.label}</option>`)}
      </select>
      <${Messages} id=${id} hint=${hint} error=${error} />
    </div>`;
}

/** A group of checkboxes (multiple) or radios (single), in a fieldset with a legend. */
export function ChoiceGroup({ id, legend, options, value, onChange, error, multiple = true, required, inline = true }) {
  const chosen = multiple ? (value ?? []) : value;
  const toggle = (option) => {
    if (!multiple) return onChange(option);
    onChange(chosen.includes(option) ? chosen.filter((v) => v !== option) : [...chosen, option]);
  };
  return html`
    <fieldset id=${id} class=${`field choices${inline ? ' inline' : ''}${error ? ' has-error' : ''}`}
      aria-describedby=${error ? `${id}-error` : undefined}>
      <legend>${legend}${required && html`<span class="required" aria-hidden="true"> *</span>`}</legend>
      ${options.map(
        (o) => html`
          <label class="choice">
            <input type=${multiple ? 'checkbox' : 'radio'} name=${id} value=${o.value}
              checked=${multiple ? chosen.includes(o.value) : chosen === o.value}
              onChange=${() => toggle(o.value)} />
            <span>${o.label}</span>
          </label>`,
      )}
      ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
    </fieldset>`;
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

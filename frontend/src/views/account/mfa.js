// Two-step sign-in on the account page: enrol (the key shown once, typed into an
// authenticator app: no QR code library), confirm with a code, turn it off.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, post, setSession } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { errorText, fieldError, TextField } from '../../components/field.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';

/** The key as authenticator apps show it: groups of four. */
export function groupKey(secret) {
  return (secret.match(/.{1,4}/g) || []).join(' ');
}

/** What a code input needs: the phone's number pad, the browser's one-time-code filling. */
export function CodeField({ form, id = 'code', label = t('login.code'), error }) {
  return html`<${TextField} id=${id} label=${label} required value=${form.values[id]} onInput=${form.set(id)}
    autocomplete="one-time-code" inputmode="numeric" maxlength="20" spellcheck="false" class="code-input"
    hint=${t('login.code_hint')} error=${error} />`;
}

function codeError(error, field = 'code') {
  if (error.code === 'wrong_code' || error.code === 'invalid_code') error.fields[field] = { code: error.code };
  return error;
}

function Enrol({ enrolment, onDone }) {
  const form = useForm({ code: '' });
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), []);

  async function onSubmit(event) {
    event.preventDefault();
    if (!form.check(form.values.code.trim() ? {} : { code: fieldError('code', 'required') })) return;
    await form.submit(async (values) => {
      try {
        setSession(await post('/me/mfa/confirm', { code: values.code }));
        onDone(t('mfa.enabled'));
      } catch (error) {
        throw codeError(error);
      }
    });
  }

  return html`
    <div class="secret" tabindex="-1" ref=${ref}>
      <p class="alert alert-info"><strong>${t('mfa.shown_once')}</strong></p>
      <ol class="steps">
        <li>${t('mfa.step_app')}</li>
        <li>
          ${t('mfa.step_key')}
          <p class="mono mfa-key" id="mfa-key" aria-label=${t('mfa.key_label')}>${groupKey(enrolment.secret)}</p>
          <p class="hint">${t('mfa.no_qr')}</p>
          <details>
            <summary>${t('mfa.uri_label')}</summary>
            <p class="mono" id="mfa-uri">${enrolment.otpauth_uri}</p>
          </details>
        </li>
        <li>${t('mfa.step_code')}</li>
      </ol>
      <form ref=${form.ref} onSubmit=${onSubmit} novalidate>
        <${ErrorSummary} form=${form} />
        <${CodeField} form=${form} error=${form.errors.code} />
        <div class="actions"><${SubmitButton} form=${form} class="primary">${t('mfa.confirm')}</${SubmitButton}></div>
      </form>
    </div>`;
}

function Disable({ onDone }) {
  const form = useForm({ mfa_password: '', code: '' });

  async function onSubmit(event) {
    event.preventDefault();
    const missing = {};
    if (!form.values.mfa_password) missing.mfa_password = fieldError('mfa_password', 'required');
    if (!form.values.code.trim()) missing.code = fieldError('code', 'required');
    if (!form.check(missing)) return;
    await form.submit(async (values) => {
      try {
        const login = await api('/me/mfa', {
          method: 'DELETE',
          body: { password: values.mfa_password, code: values.code },
        });
        setSession(login);
        onDone(t('mfa.disabled'));
      } catch (error) {
        if (error.code === 'wrong_password') error.fields.mfa_password = { code: 'wrong_password' };
        throw codeError(error);
      }
    });
  }

  return html`
    <form ref=${form.ref} onSubmit=${onSubmit} novalidate aria-labelledby="mfa-off-title">
      <h3 id="mfa-off-title">${t('mfa.disable_title')}</h3>
      <p>${t('mfa.disable_intro')}</p>
      <${ErrorSummary} form=${form} />
      <${TextField} id="mfa_password" type="password" label=${t('field.password')} required autocomplete="current-password"
        value=${form.values.mfa_password} onInput=${form.set('mfa_password')} error=${form.errors.mfa_password} />
      <${CodeField} form=${form} error=${form.errors.code} />
      <div class="actions"><${SubmitButton} form=${form} class="danger">${t('mfa.disable')}</${SubmitButton}></div>
    </form>`;
}

export function MfaSection({ user }) {
  const [enrolment, setEnrolment] = useState(null);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function start() {
    if (busy) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      setEnrolment(await post('/me/mfa'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  function done(text) {
    setEnrolment(null);
    setMessage(text);
  }

  return html`
    <section class="card narrow" id="mfa" aria-labelledby="mfa-title">
      <h2 id="mfa-title">${t('mfa.title')}</h2>
      ${user.mfa_enrollment_required && html`<p class="alert alert-info" role="alert">${t('mfa.required_notice')}</p>`}
      <${Alert} kind="success">${message}</${Alert}>
      ${error && html`<${Alert}>${errorText(error.code, error.detail)}</${Alert}>`}
      <p>${t(user.mfa_enabled ? 'mfa.status_on' : 'mfa.status_off')}</p>
      ${
        user.mfa_enabled
          ? html`<${Disable} onDone=${done} />`
          : enrolment
            ? html`<${Enrol} enrolment=${enrolment} onDone=${done} />`
            : html`
            <p>${t('mfa.intro')}</p>
            <div class="actions"><button type="button" aria-disabled=${busy ? 'true' : undefined} onClick=${start}>${t('mfa.start')}</button></div>`
      }
    </section>`;
}

/** What an admin's pages show until the second factor is on (the server answers 403
 * mfa_enrollment_required to everything else). */
export function MfaNeeded() {
  return html`
    <${Page} title=${t('mfa.needed_title')}>
      <p class="alert alert-info" role="alert">${t('mfa.needed_text')}</p>
      <p><a href="/account">${t('mfa.needed_link')}</a></p>
    </${Page}>`;
}

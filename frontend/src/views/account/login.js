import { useEffect, useState } from 'preact/hooks';
import { get, post, setSession } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { Dialog } from '../../components/dialog.js';
import { fieldError, TextField } from '../../components/field.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { Page } from '../../components/page.js';
import { html } from '../../html.js';
import { getLanguage, t } from '../../i18n/index.js';
import { navigate } from '../../router.js';
import { CodeField } from './mfa.js';

// Until the API publishes GET /config, the helpline of the manual (the settings' defaults).
const SUPPORT = {
  support_email: 'stages@stagematch.be',
  support_phone: '02 250 37 77',
  support_hours: 'werkdagen behalve woensdag, 9u30-12u en 13u-15u',
};

function useSupport() {
  const [support, setSupport] = useState(SUPPORT);
  useEffect(() => {
    get('/config').then(
      (config) => config?.support_email && setSupport(config),
      () => {},
    );
  }, []);
  return support;
}

export function SupportContact() {
  const s = useSupport();
  return html`
    <aside class="support" aria-labelledby="support-title">
      <h2 id="support-title">${t('support.title')}</h2>
      <p>${t('support.text')}</p>
      <p><a href=${`mailto:${s.support_email}`}>${s.support_email}</a><br />
        <a href=${`tel:${s.support_phone.replace(/[^+\d]/g, '')}`}>${s.support_phone}</a><br />
        <span class="hint">${(getLanguage() === 'en' && s.support_hours_en) || s.support_hours}</span></p>
    </aside>`;
}

/** Only paths of this client, so a crafted link cannot send the user elsewhere. */
export function safeNext(next) {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : null;
}

export function Login({ search }) {
  const form = useForm({ email: '', password: '', code: '' });
  // Set when the server asks for the verification code (two-step sign-in).
  const [needsCode, setNeedsCode] = useState(false);
  const [askResend, setAskResend] = useState(false);
  useEffect(() => {
    if (needsCode) document.getElementById('code')?.focus();
  }, [needsCode]);
  const [resent, setResent] = useState(false);

  async function onSubmit(event) {
    event.preventDefault();
    setResent(false);
    const missing = {};
    if (!form.values.email) missing.email = fieldError('email', 'required');
    if (!form.values.password) missing.password = fieldError('password', 'required');
    if (needsCode && !form.values.code.trim()) missing.code = fieldError('code', 'required');
    if (!form.check(missing)) return;
    await form.submit(async ({ code, ...values }) => {
      try {
        const login = await post('/auth/login', needsCode ? { ...values, code } : values, { public: true });
        setSession(login);
        // An admin who must turn on two-step sign-in first goes where that is done.
        const home = login.user.mfa_enrollment_required ? '/account' : `/${login.user.role}`;
        navigate(safeNext(search.get('next')) || home, { replace: true });
      } catch (error) {
        // The manual: an invited address with any password asks to resend the activation mail.
        if (error.code === 'account_not_activated') return setAskResend(true);
        if (error.code === 'mfa_required') return setNeedsCode(true);
        if (error.code === 'invalid_code') error.fields.code = { code: 'invalid_code' };
        throw error;
      }
    });
  }

  async function resend() {
    setAskResend(false);
    await form.submit(async (values) => {
      await post('/auth/activation/resend', { email: values.email }, { public: true });
      setResent(true);
    });
  }

  const shown = form.errors;
  return html`
    <${Page} title=${t('login.title')}>
      <div class="two-columns">
        <form ref=${form.ref} class="card narrow" onSubmit=${onSubmit} novalidate>
          <p>${t('login.intro')}</p>
          <${ErrorSummary} form=${form} />
          <${Alert} kind="success">${resent && t('login.resent')}</${Alert}>
          <${TextField} id="email" type="email" label=${t('field.email')} autocomplete="username" required
            value=${form.values.email} onInput=${form.set('email')} error=${shown.email} />
          <${TextField} id="password" type="password" label=${t('field.password')} autocomplete="current-password" required
            value=${form.values.password} onInput=${form.set('password')} error=${shown.password} />
          ${
            needsCode &&
            html`
            <p class="alert alert-info" role="status">${t('login.code_intro')}</p>
            <${CodeField} form=${form} error=${shown.code} />`
          }
          <div class="actions">
            <${SubmitButton} form=${form} class="primary">${t('login.submit')}</${SubmitButton}>
            <a href="/forgot">${t('login.forgot')}</a>
          </div>
        </form>
        <${SupportContact} />
      </div>
      ${
        askResend &&
        html`
        <${Dialog} title=${t('login.not_activated_title')} onClose=${() => setAskResend(false)}>
          <p>${t('login.not_activated_text', { email: form.values.email })}</p>
          <div class="actions">
            <button type="button" class="primary" onClick=${resend}>${t('login.resend')}</button>
            <button type="button" onClick=${() => setAskResend(false)}>${t('common.cancel')}</button>
          </div>
        </${Dialog}>`
      }
    </${Page}>`;
}

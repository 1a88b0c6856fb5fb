import { useState } from 'preact/hooks';
import { post, setSession } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { fieldError, TextField } from '../../components/field.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { MfaSection } from './mfa.js';
import { NewPassword, passwordProblem, usePasswordCheck } from './password-fields.js';

export function Account({ user }) {
  const form = useForm({ current_password: '', password: '', password_repeat: '' });
  const [done, setDone] = useState(false);
  const check = usePasswordCheck(form.values.password, { email: user.email, name: user.organisation?.name });

  async function onSubmit(event) {
    event.preventDefault();
    setDone(false);
    const problems = passwordProblem(form.values.password, form.values.password_repeat, check);
    if (!form.values.current_password) problems.current_password = fieldError('current_password', 'required');
    if (!form.check(problems)) return;
    await form.submit(async (values) => {
      try {
        const login = await post('/me/password', {
          current_password: values.current_password,
          new_password: values.password,
        });
        setSession(login);
        form.setValues({ current_password: '', password: '', password_repeat: '' });
        setDone(true);
      } catch (error) {
        // The server names the new password "new_password"; this form calls it "password".
        if (error.fields?.new_password) error.fields.password = error.fields.new_password;
        if (error.code === 'wrong_password') error.fields.current_password = { code: 'wrong_password' };
        throw error;
      }
    });
  }

  const shown = form.errors;
  return html`
    <${Page} title=${t('account.title')}>
      <dl class="facts card narrow">
        <dt>${t('account.organisation')}</dt><dd>${user.organisation?.name}</dd>
        <dt>${t('field.email')}</dt><dd>${user.email}</dd>
      </dl>
      <${MfaSection} user=${user} />
      <form ref=${form.ref} class="card narrow" onSubmit=${onSubmit} novalidate>
        <h2>${t('account.change_password')}</h2>
        <p>${t('account.change_password_intro')}</p>
        <${ErrorSummary} form=${form} />
        <${Alert} kind="success">${done && t('account.password_changed')}</${Alert}>
        <${TextField} id="current_password" type="password" label=${t('account.current_password')} required
          autocomplete="current-password" value=${form.values.current_password}
          onInput=${form.set('current_password')} error=${shown.current_password} />
        <${NewPassword} form=${form} errors=${shown} check=${check} />
        <div class="actions"><${SubmitButton} form=${form} class="primary">${t('password.save')}</${SubmitButton}></div>
      </form>
      <section class="card narrow" aria-labelledby="tokens-title">
        <h2 id="tokens-title">${t('account.tokens_title')}</h2>
        <p>${t('account.tokens_intro')}</p>
        <p><a href="/account/tokens">${t('account.tokens_link')}</a></p>
      </section>
    </${Page}>`;
}

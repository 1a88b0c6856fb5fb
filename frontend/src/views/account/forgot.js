import { useState } from 'preact/hooks';
import { post } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { fieldError, TextField } from '../../components/field.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { isEmail } from '../../lib/rules.js';

export function Forgot() {
  const form = useForm({ email: '' });
  const [sent, setSent] = useState(false);

  async function onSubmit(event) {
    event.preventDefault();
    const email = form.values.email;
    const problem = !email ? fieldError('email', 'required') : !isEmail(email) && t('error.value_error.email');
    if (!form.check(problem ? { email: problem } : {})) return;
    setSent(false);
    await form.submit(async (values) => {
      await post('/auth/password/forgot', values, { public: true });
      setSent(true);
    });
  }

  return html`
    <${Page} title=${t('forgot.title')}>
      <form ref=${form.ref} class="card narrow" onSubmit=${onSubmit} novalidate>
        <p>${t('forgot.intro')}</p>
        <${ErrorSummary} form=${form} />
        <${Alert} kind="success">${sent && t('forgot.sent')}</${Alert}>
        <${TextField} id="email" type="email" label=${t('field.email')} autocomplete="username" required
          value=${form.values.email} onInput=${form.set('email')} error=${form.errors.email} />
        <div class="actions">
          <${SubmitButton} form=${form} class="primary">${t('forgot.submit')}</${SubmitButton}>
          <a href="/login">${t('login.to_login')}</a>
        </div>
      </form>
    </${Page}>`;
}

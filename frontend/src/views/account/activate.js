import { post, setSession } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { navigate } from '../../router.js';
import { NewPassword, passwordProblem, usePasswordCheck } from './password-fields.js';

/** Choosing a password with a mailed token: activation and reset differ only in words. */
export function ChoosePassword({ search, endpoint, title, intro }) {
  const token = search.get('token') || '';
  const form = useForm({ password: '', password_repeat: '' });
  const check = usePasswordCheck(form.values.password, { token });
  const linkBroken = ['link_expired', 'link_used', 'link_invalid', 'already_activated'].some(
    (code) => form.formError === t(`error.${code}`),
  );

  async function onSubmit(event) {
    event.preventDefault();
    const problems = passwordProblem(form.values.password, form.values.password_repeat, check);
    if (!form.check(problems)) return;
    await form.submit(async ({ password }) => {
      const login = await post(endpoint, { token, password }, { public: true });
      setSession(login);
      navigate(`/${login.user.role}`, { replace: true });
    });
  }

  if (!token) {
    return html`<${Page} title=${title}><${Alert}>${t('error.link_invalid')}</${Alert}>
      <p><a href="/login">${t('login.to_login')}</a></p></${Page}>`;
  }
  const shown = form.errors;
  return html`
    <${Page} title=${title}>
      <form ref=${form.ref} class="card narrow" onSubmit=${onSubmit} novalidate>
        <p>${intro}</p>
        <${ErrorSummary} form=${form} />
        ${linkBroken && html`<p><a href="/login">${t('login.to_login')}</a> · ${t('activate.new_link_hint')}</p>`}
        <${NewPassword} form=${form} errors=${shown} check=${check} />
        <div class="actions">
          <${SubmitButton} form=${form} class="primary">${t('password.save')}</${SubmitButton}>
        </div>
      </form>
    </${Page}>`;
}

export function Activate({ search }) {
  return html`<${ChoosePassword} search=${search} endpoint="/auth/activate"
    title=${t('activate.title')} intro=${t('activate.intro')} />`;
}

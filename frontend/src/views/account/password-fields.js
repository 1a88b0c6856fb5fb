// A new password with its rules shown as the user types, and a repeat to catch typos.
import { TextField } from '../../components/field.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { passwordChecks } from '../../lib/rules.js';

export function passwordProblem(password, repeat) {
  if (!passwordChecks(password).every((c) => c.ok)) return { password: t('password.rules_not_met') };
  if (password !== repeat) return { password_repeat: t('password.no_match') };
  return {};
}

export function NewPassword({ form, errors, id = 'password', label }) {
  const checks = passwordChecks(form.values[id]);
  return html`
    <${TextField} id=${id} type="password" label=${label ?? t('password.new')} autocomplete="new-password"
      value=${form.values[id]} onInput=${form.set(id)} error=${errors[id]} required
      aria-describedby=${`${id}-rules${errors[id] ? ` ${id}-error` : ''}`} />
    <ul class="rules" id=${`${id}-rules`}>
      ${checks.map(
        (c) => html`
        <li class=${c.ok ? 'ok' : 'todo'}>
          <span aria-hidden="true">${c.ok ? '✓' : '○'}</span>
          ${' '}${t(c.key)}<span class="visually-hidden"> ${c.ok ? t('password.rule_met') : t('password.rule_not_met')}</span>
        </li>`,
      )}
    </ul>
    <${TextField} id="password_repeat" type="password" label=${t('password.repeat')} autocomplete="new-password"
      value=${form.values.password_repeat} onInput=${form.set('password_repeat')} error=${errors.password_repeat} required />`;
}

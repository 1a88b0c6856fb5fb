// A new password with the server's own rules shown as the user types, and a repeat to catch
// typos. The checklist ticks only what the server answered for the very password in the
// field (POST /auth/password-check): while it is asked, or offline, a rule stays neutral.
import { useEffect, useState } from 'preact/hooks';
import { post } from '../../api.js';
import { TextField } from '../../components/field.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';

const RULES = [
  ['length', 'password.rule_length'],
  ['not_common', 'password.rule_common'],
  ['hard_to_guess', 'password.rule_guessable'],
];
// Asked once the typing pauses; the server limits the checks per address.
const PAUSE_MS = 300;

/**
 * The server's answer for `password` ({length, not_common, hard_to_guess, acceptable}), or
 * null while there is none for this very password. `context`: the link's `token`
 * (activation, reset) or the account's `email` and `name`, which a password must not echo.
 */
export function usePasswordCheck(password, context = {}) {
  const [answer, setAnswer] = useState({ password: null, checks: null });
  const key = JSON.stringify(context);
  useEffect(() => {
    if (!password) return undefined;
    let live = true;
    const timer = setTimeout(() => {
      post('/auth/password-check', { password, ...context }, { public: true }).then(
        (checks) => live && setAnswer({ password, checks }),
        () => live && setAnswer({ password, checks: null }),
      );
    }, PAUSE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [password, key]);
  return password && answer.password === password ? answer.checks : null;
}

/** What stops the form before sending: a password the server called unacceptable, or a
 * repeat that differs. Without an answer yet, the server decides when the form is sent. */
export function passwordProblem(password, repeat, check) {
  if (check && !check.acceptable) return { password: t('password.rules_not_met') };
  if (password !== repeat) return { password_repeat: t('password.no_match') };
  return {};
}

function Rule({ label, met }) {
  const state = met === true ? 'ok' : met === false ? 'todo' : 'unknown';
  const mark = { ok: '✓', todo: '✗', unknown: '○' }[state];
  const words = { ok: 'password.rule_met', todo: 'password.rule_not_met', unknown: 'password.rule_unknown' };
  return html`
    <li class=${state} data-state=${state}>
      <span aria-hidden="true">${mark}</span>
      ${' '}${t(label)}<span class="visually-hidden"> ${t(words[state])}</span>
    </li>`;
}

export function NewPassword({ form, errors, check, id = 'password', label }) {
  return html`
    <${TextField} id=${id} type="password" label=${label ?? t('password.new')} autocomplete="new-password"
      value=${form.values[id]} onInput=${form.set(id)} error=${errors[id]} required
      aria-describedby=${`${id}-rules${errors[id] ? ` ${id}-error` : ''}`} />
    <ul class="rules" id=${`${id}-rules`} aria-busy=${form.values[id] && !check ? 'true' : 'false'}>
      ${RULES.map(([rule, text]) => html`<${Rule} key=${rule} label=${text} met=${check ? check[rule] : null} />`)}
    </ul>
    <${TextField} id="password_repeat" type="password" label=${t('password.repeat')} autocomplete="new-password"
      value=${form.values.password_repeat} onInput=${form.set('password_repeat')} error=${errors.password_repeat} required />`;
}

// API tokens for scripts (a school's information system, a service's own tools): the
// organisation's tokens, a new one (its secret shown once) and revoking one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, get, post } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { Dialog } from '../../components/dialog.js';
import { ChoiceGroup, errorText, fieldError, TextField } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatDate, formatDateTime } from '../../lib/format.js';

const today = () => new Date().toLocaleDateString('sv-SE'); // yyyy-mm-dd, the computer's day

function NewToken({ onCreated }) {
  const form = useForm({ name: '', access: 'read_only', expires: '' });
  async function onSubmit(event) {
    event.preventDefault();
    const v = form.values;
    const problems = {};
    if (!v.name.trim()) problems.name = fieldError('name', 'required');
    if (v.expires && v.expires <= today()) problems.expires = t('tokens.expires_future');
    if (!form.check(problems)) return;
    await form.submit(async () => {
      try {
        // The token works until the end of the chosen day.
        const created = await post('/api-tokens', {
          name: v.name.trim(),
          read_only: v.access === 'read_only',
          expires_at: v.expires ? new Date(`${v.expires}T23:59:59`).toISOString() : null,
        });
        form.setValues({ name: '', access: 'read_only', expires: '' });
        onCreated(created);
      } catch (error) {
        if (error.fields?.expires_at) error.fields.expires = error.fields.expires_at;
        throw error;
      }
    });
  }
  const shown = form.errors;
  return html`
    <form ref=${form.ref} class="card narrow spaced" onSubmit=${onSubmit} novalidate aria-labelledby="new-token">
      <h2 id="new-token">${t('tokens.new')}</h2>
      <${ErrorSummary} form=${form} />
      <${TextField} id="name" label=${t('tokens.name')} required maxlength="100" value=${form.values.name}
        onInput=${form.set('name')} error=${shown.name} hint=${t('tokens.name_hint')} />
      <${ChoiceGroup} id="access" legend=${t('tokens.access')} multiple=${false} inline=${false}
        options=${[{ value: 'read_only', label: t('tokens.read_only_choice') }, { value: 'read_write', label: t('tokens.read_write_choice') }]}
        value=${form.values.access} onChange=${form.set('access')} />
      <${TextField} id="expires" type="date" label=${t('tokens.expires')} min=${today()} value=${form.values.expires}
        onInput=${form.set('expires')} error=${shown.expires} hint=${t('tokens.expires_hint')} />
      <div class="actions"><${SubmitButton} form=${form} class="primary">${t('tokens.create')}</${SubmitButton}></div>
    </form>`;
}

/** The secret, once: a read-only field to select, a copy button and a plain warning. */
function Secret({ token, onDone }) {
  const ref = useRef(null);
  const input = useRef(null);
  const [copied, setCopied] = useState(null);
  useEffect(() => ref.current?.focus(), []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('ok');
    } catch {
      // No clipboard (an insecure page, a refused permission): select it for Ctrl+C.
      input.current.select();
      setCopied('select');
    }
  }
  return html`
    <section class="card narrow secret" aria-labelledby="secret-title" tabindex="-1" ref=${ref}>
      <h2 id="secret-title">${t('tokens.created_title', { name: token.name })}</h2>
      <p class="alert alert-info"><strong>${t('tokens.once_warning')}</strong></p>
      <div class="field">
        <label for="secret">${t('tokens.secret')}</label>
        <input id="secret" type="text" ref=${input} readonly spellcheck="false" value=${token.token} class="mono" onFocus=${(e) => e.currentTarget.select()} />
      </div>
      <div class="actions">
        <button type="button" onClick=${copy}>${t('tokens.copy')}</button>
        <button type="button" onClick=${onDone}>${t('tokens.stored')}</button>
      </div>
      <p role="status" class="hint">${copied === 'ok' ? t('tokens.copied') : copied === 'select' ? t('tokens.copy_by_hand') : ''}</p>
    </section>`;
}

function RevokeDialog({ token, onDone, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function revoke() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await api(`/api-tokens/${token.id}`, { method: 'DELETE' });
      onDone(t('tokens.revoked', { name: token.name }));
    } catch (err) {
      setError(errorText(err.code, err.detail));
      setBusy(false);
    }
  }
  return html`
    <${Dialog} title=${t('tokens.revoke_title', { name: token.name })} onClose=${onClose}>
      <p>${t('tokens.revoke_intro')}</p>
      <${Alert}>${error}</${Alert}>
      <div class="actions">
        <button type="button" class="primary danger" aria-disabled=${busy ? 'true' : undefined} onClick=${revoke}>${t('tokens.revoke')}</button>
        <button type="button" onClick=${onClose}>${t('common.cancel')}</button>
      </div>
    </${Dialog}>`;
}

export function ApiTokens() {
  const list = useLoad(() => get('/api-tokens', { page_size: 200 }), []);
  const [created, setCreated] = useState(null);
  const [revoking, setRevoking] = useState(null);
  const [message, setMessage] = useState(null);
  const result = useResult();
  const rows = items(list.data);
  const now = new Date().toISOString();
  const access = (k) => t(k.read_only ? 'tokens.read_only' : 'tokens.read_write');
  const expiry = (k) =>
    !k.expires_at
      ? t('tokens.no_expiry')
      : k.expires_at <= now
        ? t('tokens.expired', { date: formatDate(k.expires_at) })
        : formatDate(k.expires_at);
  return html`
    <${Page} title=${t('tokens.title')} wide>
      <p>${t('tokens.intro')}</p>
      <p><a href="/account">${t('tokens.back')}</a></p>
      <${Result} result=${result}><${Alert} kind="success">${message}</${Alert}></${Result}>
      ${created && html`<${Secret} token=${created} onDone=${() => setCreated(null)} />`}
      ${list.error && html`<${Alert}>${errorText(list.error.code, list.error.detail)}</${Alert}>`}
      <h2>${t('tokens.list')}</h2>
      ${
        list.loading && !list.data
          ? html`<${Loading} />`
          : rows.length === 0
            ? html`<p class="card">${t('tokens.none')}</p>`
            : html`
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('tokens.list')}</caption>
            <thead><tr>
              <th scope="col">${t('tokens.name')}</th>
              <th scope="col" class="hide-narrow">${t('tokens.access')}</th>
              <th scope="col" class="hide-narrow">${t('tokens.created')}</th>
              <th scope="col" class="hide-narrow">${t('tokens.last_used')}</th>
              <th scope="col" class="hide-narrow">${t('tokens.expires_column')}</th>
              <th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th>
            </tr></thead>
            <tbody>${rows.map(
              (k) => html`
              <tr key=${k.id}>
                <td class="card-title">${k.name}<br /><span class="hint mono">${k.prefix}…</span></td>
                <td class="hide-narrow" data-label=${t('tokens.access')}>${access(k)}</td>
                <td class="hide-narrow" data-label=${t('tokens.created')}>${formatDate(k.created_at)}</td>
                <td class="hide-narrow" data-label=${t('tokens.last_used')}>${k.last_used_at ? formatDateTime(k.last_used_at) : t('tokens.never_used')}</td>
                <td class="hide-narrow" data-label=${t('tokens.expires_column')}>${expiry(k)}</td>
                <td class="row-actions"><button type="button" class="danger" onClick=${() => setRevoking(k)} aria-label=${t('tokens.revoke_named', { name: k.name })}>${t('tokens.revoke')}</button></td>
              </tr>`,
            )}</tbody>
          </table>
        </div>`
      }
      <${NewToken} onCreated=${(token) => {
        setMessage(null);
        setCreated(token);
        list.reload();
      }} />
      ${
        revoking &&
        html`<${RevokeDialog} token=${revoking} onClose=${() => setRevoking(null)}
        onDone=${(text) => {
          setRevoking(null);
          setCreated(null);
          setMessage(text);
          // The token's row and its button are gone: focus goes to the message.
          result.focus();
          list.reload();
        }} />`
      }
    </${Page}>`;
}

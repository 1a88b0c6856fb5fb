// The texts the admin may change, per language: the public ones (privacy and accessibility
// statements) and the placement agreement's. The admin replaces the shipped default or goes
// back to it; the server checks the length and the placeholders.
import { useState } from 'preact/hooks';
import { del, get, put } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { errorText, SelectField, TextArea } from '../../components/field.js';
import { useForm } from '../../components/form.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';

const NAMES = ['privacy', 'accessibility', 'agreement'];
// Texts shown on a page of their own (the agreement is only in the PDF).
const PAGES = ['privacy', 'accessibility'];

function TextForm({ source, onSaved }) {
  const form = useForm({ body: source.body });
  const [message, setMessage] = useState(null);
  const path = `/admin/texts/${source.name}?lang=${source.language}`;
  async function save(event) {
    event.preventDefault();
    setMessage(null);
    const saved = await form.submit((v) => put(path, { body: v.body }));
    if (saved) {
      setMessage(t('texts.saved'));
      onSaved();
    }
  }
  async function reset() {
    setMessage(null);
    const saved = await form.submit(() => del(path));
    if (saved) {
      form.setValues({ body: saved.body });
      setMessage(t('texts.reset_done'));
      onSaved();
    }
  }
  return html`
    <form ref=${form.ref} class="card" onSubmit=${save} novalidate>
      <${Alert} kind="success">${message}</${Alert}>
      <${Alert}>${form.formError}</${Alert}>
      <p>${source.is_default ? t('texts.is_default') : t('texts.is_custom')}</p>
      ${source.name === 'agreement' && html`<p>${t('texts.agreement_hint')}</p>`}
      <${TextArea} id="text-body" label=${t('texts.body')} required rows="24" value=${form.values.body}
        onInput=${form.set('body')} error=${form.errors.body}
        hint=${t('texts.hint', { placeholders: source.placeholders.map((p) => `{${p}}`).join(', '), max: source.max_length })} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${form.busy}>${t('common.save')}</button>
        ${!source.is_default && html`<button type="button" onClick=${reset} disabled=${form.busy}>${t('texts.reset')}</button>`}
        ${PAGES.includes(source.name) && html`<a href=${`/${source.name}`}>${t('texts.view')}</a>`}
      </div>
    </form>`;
}

export function Texts() {
  const [name, setName] = useState('privacy');
  const [language, setLanguage] = useState('nl');
  const source = useLoad(() => get(`/admin/texts/${name}`, { lang: language }), [name, language]);
  const title = t('texts.title');
  return html`
    <${Page} title=${title}>
      <div class="form-grid">
        <${SelectField} id="text-name" label=${t('texts.which')} value=${name} onChange=${setName}
          options=${NAMES.map((n) => ({ value: n, label: t(`${n}.title`) }))} />
        <${SelectField} id="text-language" label=${t('texts.language')} value=${language} onChange=${setLanguage}
          options=${[{ value: 'nl', label: 'Nederlands' }, { value: 'en', label: 'English' }]} />
      </div>
      ${source.error && html`<${Alert}>${errorText(source.error.code, source.error.detail)}</${Alert}>`}
      ${
        source.data && source.data.name === name && source.data.language === language
          ? html`<${TextForm} key=${`${name}.${language}`} source=${source.data} onSaved=${source.reload} />`
          : !source.error && html`<${Loading} />`
      }
    </${Page}>`;
}

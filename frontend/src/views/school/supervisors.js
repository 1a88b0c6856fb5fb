// Supervisors (werkplekbegeleiders): entered before the pupils; one in use cannot be deleted.
import { useState } from 'preact/hooks';
import { del, get, patch, post } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { Dialog } from '../../components/dialog.js';
import { errorText, fieldError, TextField } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatPhone } from '../../lib/format.js';
import { isEmail } from '../../lib/rules.js';

const EMPTY = { first_name: '', last_name: '', phone: '', email: '' };

function SupervisorForm({ supervisor, onSaved, onCancel }) {
  const form = useForm(supervisor ? { ...EMPTY, ...pick(supervisor) } : EMPTY);

  async function onSubmit(event) {
    event.preventDefault();
    const problems = {};
    for (const field of Object.keys(EMPTY)) if (!form.values[field]) problems[field] = fieldError(field, 'required');
    if (form.values.email && !isEmail(form.values.email)) problems.email = t('error.value_error.email');
    if (!form.check(problems)) return;
    await form.submit(async (values) => {
      const saved = supervisor
        ? await patch(`/supervisors/${supervisor.id}`, values)
        : await post('/supervisors', values);
      onSaved(saved);
    });
  }
  const shown = form.errors;
  const field = (name, type, autocomplete) => html`
    <${TextField} id=${name} type=${type} label=${t(`field.${name}`)} required autocomplete=${autocomplete}
      value=${form.values[name]} onInput=${form.set(name)} error=${shown[name]} />`;
  return html`
    <form ref=${form.ref} class="card" onSubmit=${onSubmit} novalidate aria-labelledby="supervisor-form-title">
      <h2 id="supervisor-form-title">${supervisor ? t('supervisors.edit') : t('supervisors.add')}</h2>
      <${ErrorSummary} form=${form} />
      <div class="form-grid">
        ${field('first_name', 'text', 'off')}
        ${field('last_name', 'text', 'off')}
        ${field('phone', 'tel', 'off')}
        ${field('email', 'email', 'off')}
      </div>
      <div class="actions">
        <${SubmitButton} form=${form} class="primary">${t('common.save')}</${SubmitButton}>
        <button type="button" onClick=${onCancel}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

function pick(s) {
  return { first_name: s.first_name, last_name: s.last_name, phone: s.phone, email: s.email };
}

export function Supervisors() {
  const list = useLoad(() => get('/supervisors', { page_size: 200 }), []);
  const [editing, setEditing] = useState(null); // null, 'new' or a supervisor
  const [deleting, setDeleting] = useState(null);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const result = useResult();

  async function remove() {
    const supervisor = deleting;
    setDeleting(null);
    setError(null);
    try {
      await del(`/supervisors/${supervisor.id}`);
      setMessage(t('supervisors.deleted', { name: `${supervisor.first_name} ${supervisor.last_name}` }));
      list.reload();
    } catch (err) {
      setError(
        err.code === 'supervisor_in_use'
          ? t('supervisors.in_use', { name: `${supervisor.first_name} ${supervisor.last_name}` })
          : errorText(err.code, err.detail),
      );
    }
    // The row (and its delete button) is gone, or the refusal says why not: focus goes there.
    result.focus();
  }

  const rows = items(list.data);
  return html`
    <${Page} title=${t('supervisors.title')}
      actions=${editing === null && html`<button type="button" class="primary" onClick=${() => setEditing('new')}>${t('supervisors.add')}</button>`}>
      <p>${t('supervisors.intro')}</p>
      <${Result} result=${result}>
        <${Alert}>${error}</${Alert}>
        <${Alert} kind="success">${message}</${Alert}>
      </${Result}>
      ${
        editing !== null &&
        html`
        <${SupervisorForm} supervisor=${editing === 'new' ? null : editing}
          onCancel=${() => setEditing(null)}
          onSaved=${(saved) => {
            setEditing(null);
            setMessage(t('supervisors.saved', { name: `${saved.first_name} ${saved.last_name}` }));
            list.reload();
          }} />`
      }
      ${
        list.loading && !list.data
          ? html`<${Loading} />`
          : rows.length === 0
            ? html`<p class="card">${t('supervisors.none')}</p>`
            : html`
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('supervisors.title')}</caption>
            <thead><tr><th scope="col">${t('field.name')}</th><th scope="col">${t('field.phone')}</th>
              <th scope="col">${t('field.email')}</th><th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
            <tbody>
              ${rows.map(
                (s) => html`
                <tr key=${s.id}>
                  <td class="card-title">${s.first_name} ${s.last_name}</td>
                  <td data-label=${t('field.phone')}>${formatPhone(s.phone)}</td>
                  <td data-label=${t('field.email')}>${s.email}</td>
                  <td class="row-actions">
                    <button type="button" class="small" onClick=${() => {
                      setMessage(null);
                      setEditing(s);
                    }}
                      aria-label=${t('common.edit_named', { name: `${s.first_name} ${s.last_name}` })}>${t('common.edit')}</button>
                    ${' '}
                    <button type="button" class="small danger" onClick=${() => {
                      setMessage(null);
                      setDeleting(s);
                    }}
                      aria-label=${t('common.delete_named', { name: `${s.first_name} ${s.last_name}` })}>${t('common.delete')}</button>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`
      }
      ${
        deleting &&
        html`
        <${Dialog} title=${t('supervisors.delete_title')} onClose=${() => setDeleting(null)}>
          <p>${t('supervisors.delete_confirm', { name: `${deleting.first_name} ${deleting.last_name}` })}</p>
          <div class="actions">
            <button type="button" class="primary" onClick=${remove}>${t('common.delete')}</button>
            <button type="button" onClick=${() => setDeleting(null)}>${t('common.cancel')}</button>
          </div>
        </${Dialog}>`
      }
    </${Page}>`;
}

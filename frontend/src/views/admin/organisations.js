// Organisations: list and search, create (which mails the invitation), resend, disable, unlock
// sign-in after failed attempts (someone else's guessing).
import { useEffect, useState } from 'preact/hooks';
import { get, patch, post, put } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { ChoiceGroup, errorText, fieldError, SelectField, TextField } from '../../components/field.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { FilterPanel } from '../../components/list.js';
import { useLoad } from '../../components/load.js';
import { options, PROVINCES } from '../../components/options.js';
import { Loading, Page } from '../../components/page.js';
import { Pager } from '../../components/pager.js';
import { CityField, usePlaceFollowsPostcode, usePostcode } from '../../components/place.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { placeNamed } from '../../lib/places.js';
import { isEmail, isPostcode } from '../../lib/rules.js';
import { useQueryState } from '../../router.js';

const EMPTY = { kind: 'school', name: '', email: '', postcode: '', city: '', phone: '', provinces: [] };

/** The postcode's and the city's problems, as the server will find them (city_mismatch). */
function placeProblems(v, postcode, problems) {
  if (postcode.code !== v.postcode) return;
  if (postcode.unknown) problems.postcode = t('error.unknown_postcode');
  else if (!v.city && postcode.places.length) problems.city = fieldError('city', 'required');
  else if (v.city && !placeNamed(postcode.places, v.city)) problems.city = t('error.city_mismatch');
}

function CreateForm({ onDone, onCancel }) {
  const form = useForm(EMPTY);
  const postcode = usePostcode(form.values.postcode);
  usePlaceFollowsPostcode(form, postcode);
  async function onSubmit(event) {
    event.preventDefault();
    const v = form.values;
    const problems = {};
    if (!v.name.trim()) problems.name = fieldError('name', 'required');
    if (!v.email) problems.email = fieldError('email', 'required');
    else if (!isEmail(v.email)) problems.email = t('error.value_error.email');
    if (!v.postcode) problems.postcode = fieldError('postcode', 'required');
    else if (!isPostcode(v.postcode)) problems.postcode = t('error.postcode_format');
    else placeProblems(v, postcode, problems);
    if (!form.check(problems)) return;
    await form.submit(async () => {
      const body = { kind: v.kind, name: v.name, email: v.email, postcode: v.postcode };
      if (v.city) body.city = v.city;
      if (v.phone) body.phone = v.phone;
      if (v.kind === 'service') body.provinces = v.provinces;
      const created = await post('/organisations', body);
      onDone(t('orgs.created', { name: created.name, email: created.email }));
    });
  }
  const shown = form.errors;
  return html`
    <form ref=${form.ref} class="card" onSubmit=${onSubmit} novalidate aria-labelledby="org-form-title">
      <h2 id="org-form-title">${t('orgs.add')}</h2>
      <${ErrorSummary} form=${form} />
      <${ChoiceGroup} id="kind" legend=${t('orgs.kind')} multiple=${false} value=${form.values.kind} onChange=${form.set('kind')}
        options=${[{ value: 'school', label: t('kind.school') }, { value: 'service', label: t('kind.service') }]} />
      <div class="form-grid">
        <${TextField} id="name" label=${t('field.name')} required value=${form.values.name} onInput=${form.set('name')} error=${shown.name} />
        <${TextField} id="email" type="email" label=${t('field.email')} required value=${form.values.email} onInput=${form.set('email')} error=${shown.email} hint=${t('orgs.email_hint')} />
        <${TextField} id="postcode" label=${t('field.postcode')} required value=${form.values.postcode} onInput=${form.set('postcode')} error=${shown.postcode} inputmode="numeric" maxlength="4" />
        <${CityField} postcode=${postcode} postcodeValue=${form.values.postcode} value=${form.values.city}
          onChange=${form.set('city')} error=${shown.city} />
        <${TextField} id="phone" type="tel" label=${t('field.phone')} value=${form.values.phone} onInput=${form.set('phone')} error=${shown.phone} />
      </div>
      ${
        form.values.kind === 'service' &&
        html`<${ChoiceGroup} id="provinces" legend=${t('orgs.provinces')} options=${options(PROVINCES, 'province')}
        value=${form.values.provinces} onChange=${form.set('provinces')} error=${shown.provinces} />`
      }
      <div class="actions">
        <${SubmitButton} form=${form} class="primary">${t('orgs.create_invite')}</${SubmitButton}>
        <button type="button" onClick=${onCancel}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

// The profile's inputs carry a prefix: the form to add an organisation can be open beside it.
const PROFILE_IDS = Object.fromEntries(
  ['name', 'postcode', 'city', 'phone', 'provinces'].map((f) => [f, `profile-${f}`]),
);

/** An organisation's profile: name, base postcode, contact; for a service the provinces it
 * serves and how many pupils it can take in each campaign. */
function ProfileForm({ organisation, onDone, onCancel }) {
  const o = organisation;
  const form = useForm(
    {
      name: o.name,
      postcode: o.postcode ?? '',
      city: o.city ?? '',
      phone: o.phone ?? '',
      provinces: o.provinces ?? [],
    },
    { ids: PROFILE_IDS },
  );
  const postcode = usePostcode(form.values.postcode);
  usePlaceFollowsPostcode(form, postcode);
  const isService = o.kind === 'service';
  const campaigns = useLoad(() => (isService ? get('/campaigns', { page_size: 200 }) : Promise.resolve(null)), [o.id]);
  const capacities = useLoad(
    () => (isService ? get(`/organisations/${o.id}/capacities`) : Promise.resolve([])),
    [o.id],
  );
  const [places, setPlaces] = useState({});
  const known = Object.fromEntries((capacities.data || []).map((c) => [c.campaign_id, c]));

  async function onSubmit(event) {
    event.preventDefault();
    const v = form.values;
    const problems = {};
    if (!v.name.trim()) problems.name = fieldError('name', 'required');
    if (v.postcode && !isPostcode(v.postcode)) problems.postcode = t('error.postcode_format');
    else if (v.postcode) placeProblems(v, postcode, problems);
    for (const [id, value] of Object.entries(places)) {
      if (value !== '' && !(Number.isInteger(Number(value)) && Number(value) >= 0 && Number(value) <= 1000))
        problems[`capacity-${id}`] = t('error.capacity');
    }
    if (!form.check(problems)) return;
    await form.submit(async () => {
      const body = { name: v.name, postcode: v.postcode || null, city: v.city || null, phone: v.phone || null };
      if (isService) body.provinces = v.provinces;
      await patch(`/organisations/${o.id}`, body);
      for (const [campaignId, value] of Object.entries(places)) {
        if (value === '') continue;
        try {
          await put(`/organisations/${o.id}/capacities/${campaignId}`, { capacity: Number(value) });
        } catch (error) {
          // Show the refusal at this campaign's input.
          error.fields = { [`capacity-${campaignId}`]: { code: error.code, message: error.detail }, ...error.fields };
          throw error;
        }
      }
      onDone(t('orgs.saved', { name: v.name }));
    });
  }
  const shown = form.errors;
  const v = form.values;
  return html`
    <form ref=${form.ref} class="card" onSubmit=${onSubmit} novalidate aria-labelledby="profile-title">
      <h2 id="profile-title">${t('orgs.profile_of', { name: o.name })}</h2>
      <${ErrorSummary} form=${form} />
      <div class="form-grid">
        <${TextField} id="profile-name" label=${t('field.name')} required value=${v.name} onInput=${form.set('name')} error=${shown.name} />
        <${TextField} id="profile-postcode" label=${isService ? t('orgs.base_postcode') : t('field.postcode')} value=${v.postcode}
          onInput=${form.set('postcode')} error=${shown.postcode} inputmode="numeric" maxlength="4"
          hint=${isService ? t('orgs.base_postcode_hint') : undefined} />
        <${CityField} id="profile-city" postcode=${postcode} postcodeValue=${v.postcode} value=${v.city}
          onChange=${form.set('city')} error=${shown.city} />
        <${TextField} id="profile-phone" type="tel" label=${t('field.phone')} value=${v.phone} onInput=${form.set('phone')} error=${shown.phone} />
      </div>
      ${
        isService &&
        html`
        <${ChoiceGroup} id="profile-provinces" legend=${t('orgs.provinces')} options=${options(PROVINCES, 'province')}
          value=${v.provinces} onChange=${form.set('provinces')} error=${shown.provinces} />
        <fieldset class="field">
          <legend>${t('orgs.capacity')}</legend>
          <p class="hint">${t('orgs.capacity_hint')}</p>
          ${
            items(campaigns.data).length === 0
              ? html`<p>${t('campaign.none')}</p>`
              : html`
            <div class="form-grid">
              ${items(campaigns.data).map(
                (c) => html`
                <${TextField} id=${`capacity-${c.id}`} type="number" min="0" max="1000"
                  label=${`${c.school_year} · ${t(`track.${c.track}`)}`}
                  value=${places[c.id] ?? (known[c.id] ? String(known[c.id].capacity) : '')}
                  onInput=${(value) => setPlaces((p) => ({ ...p, [c.id]: value }))} error=${shown[`capacity-${c.id}`]}
                  hint=${known[c.id] ? t('orgs.capacity_used', { used: known[c.id].used, remaining: known[c.id].remaining }) : t('orgs.capacity_none')} />`,
              )}
            </div>`
          }
        </fieldset>`
      }
      <div class="actions">
        <${SubmitButton} form=${form} class="primary">${t('common.save')}</${SubmitButton}>
        <button type="button" onClick=${onCancel}>${t('common.cancel')}</button>
      </div>
    </form>`;
}

export function Organisations({ search }) {
  // The filters and page live in the address (reload and back keep them).
  const [shown, setShown] = useQueryState(search, { kind: '', q: '', page: '1' });
  const { kind, q } = shown;
  const page = Number(shown.page) || 1;
  const setPage = (next) => setShown({ page: String(next) });
  const [typed, setTyped] = useState(q);
  useEffect(() => setTyped(q), [q]);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState(null);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const list = useLoad(() => get('/organisations', { kind, q, page, page_size: 100 }), [kind, q, page]);

  async function run(action, done) {
    setError(null);
    setMessage(null);
    try {
      await action();
      setMessage(done);
      list.reload();
    } catch (err) {
      setError(errorText(err.code, err.detail));
    }
  }

  const rows = items(list.data);
  return html`
    <${Page} title=${t('orgs.title')} wide actions=${!adding && html`<button type="button" class=${editing ? '' : 'primary'} onClick=${() => setAdding(true)}>${t('orgs.add')}</button>`}>
      <${Alert}>${error}</${Alert}>
      <${Alert} kind="success">${message}</${Alert}>
      ${
        adding &&
        html`<${CreateForm} onCancel=${() => setAdding(false)} onDone=${(text) => {
          setAdding(false);
          setMessage(text);
          list.reload();
        }} />`
      }
      ${
        editing &&
        html`<${ProfileForm} key=${editing.id} organisation=${editing} onCancel=${() => setEditing(null)}
        onDone=${(text) => {
          setEditing(null);
          setMessage(text);
          list.reload();
        }} />`
      }
      <${FilterPanel} active=${[kind, q].filter(Boolean).length} onSubmit=${() => setShown({ q: typed, page: '1' })}>
        <${TextField} id="q" type="search" label=${t('orgs.search')} value=${typed} onInput=${setTyped} />
        <${SelectField} id="kind_filter" label=${t('orgs.kind')} value=${kind} onChange=${(v) => setShown({ kind: v, page: '1' })} placeholder=${t('common.all')}
          options=${[{ value: 'school', label: t('kind.school') }, { value: 'service', label: t('kind.service') }, { value: 'admin', label: t('kind.admin') }]} />
        <div class="field"><button type="submit">${t('overview.search_button')}</button></div>
      </${FilterPanel}>
      ${
        list.loading && !list.data
          ? html`<${Loading} />`
          : html`
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('orgs.title')}</caption>
            <thead><tr><th scope="col">${t('field.name')}</th><th scope="col">${t('orgs.kind')}</th><th scope="col">${t('field.email')}</th>
              <th scope="col">${t('field.postcode')}</th><th scope="col">${t('orgs.account')}</th><th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
            <tbody>
              ${rows.map(
                (o) => html`
                <tr key=${o.id}>
                  <td class="card-title">${o.name}</td>
                  <td data-label=${t('orgs.kind')}>${t(`kind.${o.kind}`)}${o.kind === 'service' && o.provinces?.length ? html`<br /><span class="hint">${o.provinces.map((p) => t(`province.${p}`)).join(', ')}</span>` : ''}</td>
                  <td data-label=${t('field.email')}>${o.email}</td>
                  <td data-label=${t('field.postcode')}>${o.postcode} ${o.city ?? ''}</td>
                  <td data-label=${t('orgs.account')}><span class=${`badge badge-${o.account_status === 'active' ? 'accepted' : o.account_status === 'invited' ? 'invited' : 'withdrawn'}`}>${t(`account_status.${o.account_status}`)}</span></td>
                  <td class="row-actions card-actions">
                    ${
                      o.kind !== 'admin' &&
                      html`<button type="button" class="small" aria-label=${t('common.edit_named', { name: o.name })}
                      onClick=${() => {
                        setMessage(null);
                        setEditing(o);
                      }}>${t('common.edit')}</button> `
                    }
                    ${
                      o.account_status === 'invited' &&
                      html`<button type="button" class="small" aria-label=${t('orgs.resend_named', { name: o.name })}
                      onClick=${() => run(() => post(`/organisations/${o.id}/invitation`), t('orgs.resent', { email: o.email }))}>${t('orgs.resend')}</button> `
                    }
                    ${
                      o.account_status === 'active' &&
                      html`<button type="button" class="small" aria-label=${t('orgs.unlock_named', { name: o.name })}
                      onClick=${() => run(() => post(`/organisations/${o.id}/unlock`), t('orgs.unlocked', { name: o.name }))}>${t('orgs.unlock')}</button> `
                    }
                    ${
                      o.kind !== 'admin' &&
                      html`<button type="button" class="small" aria-label=${t(o.is_disabled ? 'orgs.enable_named' : 'orgs.disable_named', { name: o.name })}
                      onClick=${() => run(() => patch(`/organisations/${o.id}`, { is_disabled: !o.is_disabled }), t(o.is_disabled ? 'orgs.enabled' : 'orgs.disabled', { name: o.name }))}>
                      ${t(o.is_disabled ? 'orgs.enable' : 'orgs.disable')}</button>`
                    }
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <${Pager} page=${page} pageSize=${100} total=${list.data?.total} onPage=${setPage} />`
      }
    </${Page}>`;
}

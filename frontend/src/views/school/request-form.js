// The request form with every field of the manual, checked as the user types with the
// server's rules; the server's own field errors land at the same inputs.
import { useState } from 'preact/hooks';
import { api, get, post } from '../../api.js';
import { AgreementDownload } from '../../components/agreement.js';
import { Alert } from '../../components/alert.js';
import { OutcomeNotes, RoundTag, StatusBadge } from '../../components/badge.js';
import { Dialog } from '../../components/dialog.js';
import { ChoiceGroup, fieldError, SelectField, TextArea, TextField } from '../../components/field.js';
import { afterPress, ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { useLoad } from '../../components/load.js';
import { DAYS, FORMS, options, PROVINCES, TRANSPORT } from '../../components/options.js';
import { Loading, notLoaded, Page } from '../../components/page.js';
import { CityField, usePlaceFollowsPostcode, usePostcode } from '../../components/place.js';
import { TrackSwitch, useTrack } from '../../components/track.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { campaignAllows, items } from '../../lib/campaign.js';
import { brusselsDay, formatDate, formatPhone } from '../../lib/format.js';
import { checkNationalNumber, formatNationalNumber } from '../../lib/national-number.js';
import { placeNamed } from '../../lib/places.js';
import { checkDates, isEmail, isPostcode } from '../../lib/rules.js';
import { navigate } from '../../router.js';
import { History, RecordDownload } from './history.js';
import { useCampaign } from './home.js';

const EMPTY = {
  first_name: '',
  last_name: '',
  national_number: '',
  street: '',
  postcode: '',
  city: '',
  province: '',
  phone: '',
  email: '',
  transport_modes: [],
  remarks: '',
  supervisor_id: '',
  start_date: '',
  end_date: '',
  hours_per_week: '',
  days: [],
  form: '',
};

function fromRequest(r) {
  const values = {};
  for (const key of Object.keys(EMPTY)) values[key] = r[key] ?? EMPTY[key];
  values.supervisor_id = r.supervisor_id ?? r.supervisor?.id ?? '';
  values.hours_per_week = r.hours_per_week == null ? '' : String(r.hours_per_week);
  values.national_number = r.national_number ? formatNationalNumber(r.national_number) : '';
  values.phone = formatPhone(r.phone);
  return values;
}

/** The client's own checks, field -> message, with the same rules as the server. Pure-ish. */
export function checkRequest(values, track, referenceDate) {
  const errors = {};
  // In the order of the form: the summary lists them so.
  for (const field of ['first_name', 'last_name', 'street', 'city', 'phone', 'supervisor_id']) {
    if (!String(values[field]).trim()) errors[field] = fieldError(field, 'required');
  }
  const nn = checkNationalNumber(values.national_number, referenceDate);
  if (!values.national_number) errors.national_number = fieldError('national_number', 'required');
  else if (!nn.ok) errors.national_number = t(`nn.${nn.code}`);
  if (!values.postcode) errors.postcode = fieldError('postcode', 'required');
  else if (!isPostcode(values.postcode)) errors.postcode = t('error.postcode_format');
  if (!values.province) errors.province = fieldError('province', 'required');
  if (!values.email) errors.email = fieldError('email', 'required');
  else if (!isEmail(values.email)) errors.email = t('error.value_error.email');
  if (!values.transport_modes.length) errors.transport_modes = fieldError('transport_modes', 'choose_one');
  if (!values.days.length) errors.days = fieldError('days', 'choose_one');
  const hours = Number(values.hours_per_week);
  if (!values.hours_per_week) errors.hours_per_week = fieldError('hours_per_week', 'required');
  else if (!Number.isInteger(hours) || hours < 1 || hours > 40) errors.hours_per_week = t('error.hours');
  if (track === 'duaal' && !values.form) errors.form = fieldError('form', 'choose');
  if (values.remarks.length > 2000) errors.remarks = t('error.max_chars', { max: 2000 });
  for (const [field, code] of Object.entries(checkDates(values.start_date, values.end_date)))
    errors[field] = t(`error.${code}`);
  return errors;
}

function body(values, track) {
  const out = {
    ...values,
    hours_per_week: Number(values.hours_per_week),
    start_date: values.start_date || null,
    end_date: values.end_date || null,
  };
  if (track === 'stage') delete out.form;
  return out;
}

function RequestForm({ existing, track, campaign, supervisors }) {
  const form = useForm(existing ? fromRequest(existing) : EMPTY);
  const [touched, setTouched] = useState(new Set());
  const [showAll, setShowAll] = useState(false);
  const [saved, setSaved] = useState(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const v = form.values;
  const postcode = usePostcode(v.postcode);
  const referenceDate = brusselsDay(campaign?.opens_at ?? new Date());
  // The postcode fills in the province, and the city when it has one place.
  usePlaceFollowsPostcode(form, postcode, { province: true });

  const clientErrors = checkRequest(v, track, referenceDate);
  if (postcode.code === v.postcode) {
    if (postcode.unknown) clientErrors.postcode = t('error.unknown_postcode');
    else if (v.city && !placeNamed(postcode.places, v.city)) clientErrors.city = t('error.city_mismatch');
  }
  const errorOf = (field) =>
    form.serverErrors[field] || ((showAll || touched.has(field)) && clientErrors[field]) || undefined;

  async function save(andNext) {
    if (form.busy) return;
    setSaved(null);
    setShowAll(true);
    if (Object.keys(clientErrors).length) return form.refuse({ ...clientErrors, ...form.serverErrors });
    const result = await form.submit(async (values) => {
      if (existing) {
        const headers = { 'If-Match': existing.etag || `"${existing.version}"` };
        const { track: _ignored, ...changes } = body(values, track);
        return api(`/placement-requests/${existing.id}`, { method: 'PATCH', body: changes, headers });
      }
      return post('/placement-requests', { track, ...body(values, track) });
    });
    if (!result) return;
    if (andNext) {
      // The next pupil often shares the supervisor; everything else starts empty.
      form.setValues({ ...EMPTY, supervisor_id: v.supervisor_id });
      setTouched(new Set());
      setShowAll(false);
      setSaved(t('request.saved_next', { name: `${result.first_name} ${result.last_name}` }));
      document.getElementById('first_name')?.focus();
    } else navigate('/school/requests');
  }

  async function remove() {
    setConfirmDelete(false);
    await form.submit(async () => {
      await api(`/placement-requests/${existing.id}`, {
        method: 'DELETE',
        headers: { 'If-Match': existing.etag || `"${existing.version}"` },
      });
      navigate('/school/requests');
    });
  }

  const text = (name, props = {}) => html`
    <${TextField} id=${name} label=${t(`field.${name}`)} value=${v[name]} onInput=${form.set(name)} error=${errorOf(name)} ...${props} />`;
  const supervisorOptions = supervisors.map((s) => ({ value: s.id, label: `${s.first_name} ${s.last_name}` }));

  return html`
    <form ref=${form.ref} onSubmit=${(e) => {
      e.preventDefault();
      save(false);
    }} novalidate
      onFocusOut=${(e) => {
        const name = e.target.name;
        if (name) afterPress(() => setTouched((old) => (old.has(name) ? old : new Set(old).add(name))));
      }}>
      <${ErrorSummary} form=${form} />
      <${Alert} kind="success">${saved}</${Alert}>
      ${supervisors.length === 0 && html`<div class="alert alert-info">${t('request.no_supervisors')} <a href="/school/supervisors">${t('school.manage_supervisors')}</a></div>`}
      <section class="card">
        <h2>${t('request.pupil')}</h2>
        <div class="form-grid">
          ${text('first_name', { required: true, autocomplete: 'off' })}
          ${text('last_name', { required: true, autocomplete: 'off' })}
          ${text('national_number', { required: true, inputmode: 'numeric', autocomplete: 'off', hint: t('request.national_number_hint') })}
        </div>
      </section>
      <section class="card">
        <h2>${t('request.address')}</h2>
        <div class="form-grid">
          ${text('street', { required: true, autocomplete: 'off' })}
          ${text('postcode', { required: true, inputmode: 'numeric', maxlength: 4, autocomplete: 'off' })}
          <${CityField} postcode=${postcode} postcodeValue=${v.postcode} value=${v.city} onChange=${form.set('city')}
            error=${errorOf('city')} required />
          <${SelectField} id="province" label=${t('field.province')} required value=${v.province} onChange=${form.set('province')}
            options=${options(PROVINCES, 'province')} placeholder=${t('common.choose')} error=${errorOf('province')}
            hint=${t('request.province_hint')} />
          ${text('phone', { required: true, type: 'tel', autocomplete: 'off', hint: t('request.private_hint') })}
          ${text('email', { required: true, type: 'email', autocomplete: 'off', hint: t('request.private_hint') })}
        </div>
        <${ChoiceGroup} id="transport_modes" legend=${t('field.transport_modes')} required options=${options(TRANSPORT, 'transport')}
          value=${v.transport_modes} onChange=${form.set('transport_modes')} error=${errorOf('transport_modes')} />
        <${TextArea} id="remarks" label=${t('field.remarks')} value=${v.remarks} onInput=${form.set('remarks')}
          error=${errorOf('remarks')} hint=${t('request.remarks_hint')} maxlength="2000" />
      </section>
      <section class="card">
        <h2>${t('request.placement')}</h2>
        <div class="form-grid">
          <${SelectField} id="supervisor_id" label=${t('field.supervisor_id')} required value=${v.supervisor_id}
            onChange=${form.set('supervisor_id')} options=${supervisorOptions} placeholder=${t('common.choose')} error=${errorOf('supervisor_id')} />
          ${text('hours_per_week', { required: true, type: 'number', min: 1, max: 40, step: 1 })}
          ${text('start_date', { type: 'date', hint: t('request.dates_hint') })}
          ${text('end_date', { type: 'date' })}
        </div>
        <${ChoiceGroup} id="days" legend=${t('field.days')} required options=${options(DAYS, 'day')}
          value=${v.days} onChange=${form.set('days')} error=${errorOf('days')} />
        ${
          track === 'duaal' &&
          html`
          <${ChoiceGroup} id="form" legend=${t('field.form')} required multiple=${false} options=${options(FORMS, 'form')}
            value=${v.form} onChange=${form.set('form')} error=${errorOf('form')} />`
        }
      </section>
      <div class="actions">
        ${!existing && html`<${SubmitButton} form=${form} type="button" class="primary" onClick=${() => save(true)}>${t('request.save_next')}</${SubmitButton}>`}
        <${SubmitButton} form=${form} class=${existing ? 'primary' : ''}>${t('request.save_close')}</${SubmitButton}>
        <a href="/school/requests">${t('common.cancel')}</a>
        ${existing?.actions?.includes('withdraw_request') && html`<button type="button" class="danger" onClick=${() => setConfirmDelete(true)}>${t('request.delete')}</button>`}
      </div>
      ${
        confirmDelete &&
        html`
        <${Dialog} title=${t('request.delete_title')} onClose=${() => setConfirmDelete(false)}>
          <p>${t('request.delete_confirm', { name: `${v.first_name} ${v.last_name}` })}</p>
          <div class="actions">
            <button type="button" class="primary" onClick=${remove}>${t('common.delete')}</button>
            <button type="button" onClick=${() => setConfirmDelete(false)}>${t('common.cancel')}</button>
          </div>
        </${Dialog}>`
      }
    </form>`;
}

function useFormData(track) {
  const current = useCampaign(track);
  const supervisors = useLoad(() => get('/supervisors', { page_size: 200 }), []);
  return {
    loading: current.loading || supervisors.loading,
    campaign: current.campaign,
    supervisors: items(supervisors.data),
  };
}

export function NewRequest() {
  const [track, setTrack] = useTrack();
  const data = useFormData(track);
  // A new request joins the campaign in which the server still allows `create`.
  const allowed = campaignAllows(data.campaign, 'school', 'create');
  return html`
    <${Page} title=${t('request.new_title')}>
      <${TrackSwitch} track=${track} onChange=${setTrack} />
      ${
        data.loading
          ? html`<${Loading} />`
          : html`
        ${
          allowed
            ? html`<${RequestForm} key=${track} track=${track} campaign=${data.campaign} supervisors=${data.supervisors} />`
            : html`<div class="alert alert-info" role="status">${t('request.phase_no_new')}</div>`
        }`
      }
    </${Page}>`;
}

/** Everything the school entered, read-only: shown once a service accepted the pupil. */
function ReadOnly({ request }) {
  const row = (label, value) => html`<dt>${label}</dt><dd>${value || '–'}</dd>`;
  const list = (values, prefix) => (values || []).map((x) => t(`${prefix}.${x}`)).join(', ');
  const s = request.supervisor;
  return html`
    <dl class="facts card">
      ${row(t('field.national_number'), request.national_number && formatNationalNumber(request.national_number))}
      ${row(t('request.address'), `${request.street ?? ''}, ${request.postcode} ${request.city}`)}
      ${row(t('field.province'), t(`province.${request.province}`))}
      ${row(t('field.phone'), formatPhone(request.phone))}
      ${row(t('field.email'), request.email)}
      ${row(t('field.transport_modes'), list(request.transport_modes, 'transport'))}
      ${row(t('field.remarks'), request.remarks)}
      ${row(t('field.supervisor_id'), s ? `${s.first_name ?? ''} ${s.last_name ?? s.name ?? ''}` : '')}
      ${row(t('request.period'), request.start_date ? `${formatDate(request.start_date)} – ${formatDate(request.end_date)}` : '')}
      ${row(t('field.hours_per_week'), request.hours_per_week)}
      ${row(t('field.days'), list(request.days, 'day'))}
      ${request.form && row(t('field.form'), t(`form.${request.form}`))}
    </dl>`;
}

export function EditRequest({ params }) {
  const request = useLoad(async () => {
    const { body: found, headers } = await api(`/placement-requests/${params.id}`, { withHeaders: true });
    return { ...found, etag: headers.get('ETag') };
  }, [params.id]);
  const track = request.data?.track ?? request.data?.campaign?.track ?? 'duaal';
  const data = useFormData(track);
  const waiting = notLoaded({ ...request, data: data.loading ? undefined : request.data }, t('request.edit_title'));
  if (waiting) return waiting;
  const r = request.data;
  const name = `${r.first_name} ${r.last_name}`;
  // Editable exactly when the server offers `edit` (transitions.TABLE); why not, in words.
  const locked = !r.actions?.includes('edit');
  const why =
    r.status === 'accepted'
      ? 'request.locked_accepted'
      : r.campaign?.phase === 'closed' || r.status === 'not_placed'
        ? 'request.locked_closed'
        : 'request.locked_now';
  return html`
    <${Page} title=${locked ? name : t('request.edit_named', { name })}>
      <p>${t('request.track')}: ${t(`track.${track}`)}</p>
      <div class="status-line"><${StatusBadge} request=${r} detailed /><${RoundTag} round=${r.round} /><${OutcomeNotes} request=${r} /></div>
      ${
        locked
          ? html`
        <div class="locked" role="status">${t(why)}</div>
        <${ReadOnly} request=${r} />
        <${AgreementDownload} request=${r} />
        <p><a href="/school/requests">${t('request.back')}</a></p>`
          : html`
        <${RequestForm} existing=${r} track=${track} campaign=${r.campaign} supervisors=${data.supervisors} />`
      }
      <${History} id=${r.id} />
      <${RecordDownload} id=${r.id} name=${name} />
    </${Page}>`;
}

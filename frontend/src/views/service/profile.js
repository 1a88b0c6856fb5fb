// The service's profile: what fits it (days, hours, start period, distance, ways of coming).
// The browse list's "best fit" and the admin's proposal score the pupils by it on the server.

import { useState } from 'preact/hooks';
import { get, put } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { ChoiceGroup, TextField } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { useLoad } from '../../components/load.js';
import { DAYS, options, TRANSPORT } from '../../components/options.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';

const text = (value) => (value == null ? '' : String(value));
const number = (value) => (value === '' ? null : Number(value));

function fromServer(p) {
  return {
    days: p.days,
    hours_per_week_min: text(p.hours_per_week_min),
    hours_per_week_max: text(p.hours_per_week_max),
    start_from: text(p.start_from),
    start_until: text(p.start_until),
    max_distance_km: text(p.max_distance_km),
    transport_modes: p.transport_modes,
  };
}

function toServer(v) {
  return {
    days: v.days,
    hours_per_week_min: number(v.hours_per_week_min),
    hours_per_week_max: number(v.hours_per_week_max),
    start_from: v.start_from || null,
    start_until: v.start_until || null,
    max_distance_km: number(v.max_distance_km),
    transport_modes: v.transport_modes,
  };
}

function PreferencesForm({ url, initial, onSaved }) {
  const form = useForm(fromServer(initial));
  async function onSubmit(event) {
    event.preventDefault();
    await form.submit(async (values) => onSaved(await put(url, toServer(values))));
  }
  const e = form.errors;
  return html`
    <form ref=${form.ref} class="card" onSubmit=${onSubmit} novalidate aria-labelledby="preferences-title">
      <h2 id="preferences-title">${t('profile.preferences')}</h2>
      <p>${t('profile.intro')}</p>
      <${ErrorSummary} form=${form} />
      <${ChoiceGroup} id="days" legend=${t('profile.days')} options=${options(DAYS, 'day')}
        value=${form.values.days} onChange=${form.set('days')} error=${e.days} />
      <div class="form-grid">
        <${TextField} id="hours_per_week_min" type="number" min="1" max="60" label=${t('profile.hours_min')}
          value=${form.values.hours_per_week_min} onInput=${form.set('hours_per_week_min')} error=${e.hours_per_week_min} />
        <${TextField} id="hours_per_week_max" type="number" min="1" max="60" label=${t('profile.hours_max')}
          value=${form.values.hours_per_week_max} onInput=${form.set('hours_per_week_max')} error=${e.hours_per_week_max} />
        <${TextField} id="start_from" type="date" label=${t('profile.start_from')}
          value=${form.values.start_from} onInput=${form.set('start_from')} error=${e.start_from} />
        <${TextField} id="start_until" type="date" label=${t('profile.start_until')}
          value=${form.values.start_until} onInput=${form.set('start_until')} error=${e.start_until} />
        <${TextField} id="max_distance_km" type="number" min="1" max="300" label=${t('profile.max_distance_km')}
          hint=${t('profile.max_distance_hint')}
          value=${form.values.max_distance_km} onInput=${form.set('max_distance_km')} error=${e.max_distance_km} />
      </div>
      <${ChoiceGroup} id="transport_modes" legend=${t('profile.transport')} options=${options(TRANSPORT, 'transport')}
        value=${form.values.transport_modes} onChange=${form.set('transport_modes')} error=${e.transport_modes} />
      <p class="hint">${t('profile.transport_hint')}</p>
      <div class="actions">
        <${SubmitButton} form=${form} class="primary">${t('common.save')}</${SubmitButton}>
      </div>
    </form>`;
}

export function Profile({ user }) {
  const url = `/organisations/${user.organisation?.id}/preferences`;
  const loaded = useLoad(() => get(url), [url]);
  const [message, setMessage] = useState(null);
  const result = useResult();
  return html`
    <${Page} title=${t('profile.title')}>
      <${Result} result=${result}>
        <${Alert} kind="success">${message}</${Alert}>
      </${Result}>
      ${loaded.error && html`<${Alert}>${loaded.error.detail}</${Alert}>`}
      ${
        loaded.data
          ? html`<${PreferencesForm} url=${url} initial=${loaded.data} onSaved=${() => {
              setMessage(t('profile.saved'));
              result.focus();
            }} />`
          : !loaded.error && html`<${Loading} />`
      }
      <p><a href="/service?sort=fit">${t('profile.to_browse')}</a></p>
    </${Page}>`;
}

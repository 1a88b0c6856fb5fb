// One request as a service sees it, with exactly the actions the server offers: invite,
// withdraw, decline (an optional reason), accept (notes and a contact person), release (a reason).
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../../api.js';
import { AgreementDownload } from '../../components/agreement.js';
import { Alert } from '../../components/alert.js';
import { RoundTag } from '../../components/badge.js';
import { Dialog, ReasonDialog } from '../../components/dialog.js';
import { fieldError, TextArea, TextField } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { useLoad } from '../../components/load.js';
import { notLoaded, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { formatDate, formatPhone } from '../../lib/format.js';
import { formatNationalNumber } from '../../lib/national-number.js';
import { isEmail } from '../../lib/rules.js';
import { ServiceActions } from './actions.js';
import { knownDistance, ServiceStatus } from './browse.js';
import { InterviewDialog, InterviewPanel, ownLiveInvitation } from './interview.js';

/** The contact person the service named last time (from the server), for the fields the
 * user has not typed in yet. */
function usePreviousContact(form, serviceId) {
  useEffect(() => {
    if (!serviceId) return undefined;
    let live = true;
    get(`/organisations/${serviceId}/last-contact`).then(
      (last) => {
        if (!live || !last?.name) return;
        const found = { name: last.name, phone: formatPhone(last.phone), email: last.email };
        form.setValues((v) => {
          const next = { ...v };
          for (const [key, value] of Object.entries(found)) next[`contact_person.${key}`] ||= value ?? '';
          return next;
        });
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [serviceId]);
}

function AcceptDialog({ request, serviceId, onDone, onClose }) {
  const form = useForm({
    notes: '',
    'contact_person.name': '',
    'contact_person.phone': '',
    'contact_person.email': '',
  });
  usePreviousContact(form, serviceId);
  async function onSubmit(event) {
    event.preventDefault();
    const v = form.values;
    const problems = {};
    for (const key of Object.keys(v)) if (!v[key].trim()) problems[key] = fieldError(key, 'required');
    if (v['contact_person.email'] && !isEmail(v['contact_person.email']))
      problems['contact_person.email'] = t('error.value_error.email');
    if (!form.check(problems)) return;
    await form.submit(async () => {
      await post(`/placement-requests/${request.id}/acceptance`, {
        notes: v.notes,
        contact_person: {
          name: v['contact_person.name'],
          phone: v['contact_person.phone'],
          email: v['contact_person.email'],
        },
      });
      onDone(t('service.accepted_message', { name: `${request.first_name} ${request.last_name}` }));
    });
  }
  const shown = form.errors;
  const field = (id, type = 'text') => html`<${TextField} id=${id} type=${type} label=${t(`accept.${id}`)} required
    value=${form.values[id]} onInput=${form.set(id)} error=${shown[id]} />`;
  return html`
    <${Dialog} title=${t('accept.title', { name: `${request.first_name} ${request.last_name}` })} onClose=${onClose}>
      <form ref=${form.ref} onSubmit=${onSubmit} novalidate>
        <p>${t('accept.intro')}</p>
        <${ErrorSummary} form=${form} />
        <${TextArea} id="notes" required label=${t('accept.notes')} value=${form.values.notes} onInput=${form.set('notes')} error=${shown.notes} hint=${t('accept.notes_hint')} />
        ${field('contact_person.name')}
        ${field('contact_person.phone', 'tel')}
        ${field('contact_person.email', 'email')}
        <div class="actions">
          <${SubmitButton} form=${form} class="primary">${t('accept.submit')}</${SubmitButton}>
          <button type="button" onClick=${onClose}>${t('common.cancel')}</button>
        </div>
      </form>
    </${Dialog}>`;
}

export function Detail({ params, user }) {
  const request = useLoad(() => get(`/placement-requests/${params.id}`), [params.id]);
  const [dialog, setDialog] = useState(null);
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const result = useResult();
  const waiting = notLoaded(request, t('request.edit_title'), html`<a href="/service">${t('service.back')}</a>`);
  if (waiting) return waiting;
  const r = request.data;
  const acceptedByMe = r.acceptance && r.acceptance.service?.id === user.organisation?.id;
  const km = r.distance_km ?? knownDistance(r.id);

  const name = `${r.first_name} ${r.last_name}`;
  // Every action changes the buttons (the one pressed is gone): focus goes to its message.
  const finish = (text) => {
    setDialog(null);
    setMessage(text);
    result.focus();
    request.reload();
  };

  const row = (label, value) => (value ? html`<dt>${label}</dt><dd>${value}</dd>` : null);
  const list = (values, prefix) => (values || []).map((x) => t(`${prefix}.${x}`)).join(', ');
  const s = r.supervisor;
  // What an action (or the interview panel) reports: its message, or its error and a fresh read.
  const done = (text) => {
    setError(null);
    finish(text);
  };
  const failed = (text) => {
    setMessage(null);
    setError(text);
    result.focus();
    request.reload();
  };
  return html`
    <${Page} title=${`${r.first_name} ${r.last_name}`}>
      <p><${ServiceStatus} request=${r} user=${user} /><${RoundTag} round=${r.round} /> ${km != null && html` · ${t('service.distance_km', { km: Math.round(km) })}`}</p>
      <${Result} result=${result}>
        <${Alert}>${error}</${Alert}>
        <${Alert} kind="success">${message}</${Alert}>
      </${Result}>
      <div class="actions">
        <${ServiceActions} request=${r} onDialog=${setDialog}
          onDone=${done} onError=${failed} />
      </div>
      <${InterviewPanel} request=${r} user=${user} onDialog=${setDialog}
        onDone=${done} onError=${failed} />
      <dl class="facts card">
        ${row(t('service.school'), r.school?.name)}
        ${row(t('field.national_number'), r.national_number && formatNationalNumber(r.national_number))}
        ${row(t('request.address'), [r.street, `${r.postcode} ${r.city}`].filter(Boolean).join(', '))}
        ${row(t('field.province'), r.province && t(`province.${r.province}`))}
        ${row(t('field.phone'), r.phone && formatPhone(r.phone))}
        ${row(t('field.email'), r.email)}
        ${row(t('field.transport_modes'), list(r.transport_modes, 'transport'))}
        ${row(t('field.remarks'), r.remarks)}
        ${row(t('field.supervisor_id'), s && [`${s.first_name ?? ''} ${s.last_name ?? ''}`.trim(), formatPhone(s.phone), s.email].filter(Boolean).join(', '))}
        ${row(t('request.period'), r.start_date && `${formatDate(r.start_date)} – ${formatDate(r.end_date)}`)}
        ${row(t('field.hours_per_week'), r.hours_per_week)}
        ${row(t('field.days'), list(r.days, 'day'))}
        ${row(t('field.form'), r.form && t(`form.${r.form}`))}
        ${acceptedByMe && row(t('accept.notes'), r.acceptance.notes)}
        ${
          acceptedByMe &&
          r.acceptance.contact_person &&
          row(
            t('service.contact_person'),
            [
              r.acceptance.contact_person.name,
              formatPhone(r.acceptance.contact_person.phone),
              r.acceptance.contact_person.email,
            ].join(', '),
          )
        }
      </dl>
      <${AgreementDownload} request=${r} forService />
      <p><a href="/service">${t('service.back')}</a></p>
      ${
        (dialog === 'invite_interview' || dialog === 'interview') &&
        html`<${InterviewDialog} request=${r} mode=${dialog === 'invite_interview' ? 'invite' : 'change'}
          current=${dialog === 'interview' ? ownLiveInvitation(r, user)?.interview : null}
          onDone=${finish} onClose=${() => setDialog(null)} />`
      }
      ${dialog === 'accept' && html`<${AcceptDialog} request=${r} serviceId=${user.organisation?.id} onDone=${finish} onClose=${() => setDialog(null)} />`}
      ${
        dialog === 'decline' &&
        html`<${ReasonDialog} danger
        title=${t('decline.title', { name: `${r.first_name} ${r.last_name}` })} intro=${t('decline.intro')}
        label=${t('decline.reason')} hint=${t('decline.reason_hint')} submit=${t('decline.submit')}
        send=${async (reason) => {
          await post(`/placement-requests/${r.id}/invitations/mine/decline`, { reason });
          finish(t('service.declined_message', { name }));
        }} onClose=${() => setDialog(null)} />`
      }
      ${
        dialog === 'release' &&
        html`<${ReasonDialog} danger required
        title=${t('release.title')} intro=${t('release.intro')} label=${t('release.reason')}
        submit=${t('release.submit')}
        send=${async (reason) => {
          await post(`/placement-requests/${r.id}/acceptance/release`, { reason });
          finish(t('service.released_message', { name }));
        }} onClose=${() => setDialog(null)} />`
      }
    </${Page}>`;
}

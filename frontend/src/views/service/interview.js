// The interview a service proposes with its invitation: a dialog for its day, time, length
// and place, sent with the invitation (POST …/invitations) or, while the invitation is live,
// as a change (PUT …/invitations/mine/interview); dropping it (DELETE) keeps the invitation.
// Offered exactly where the server offers `invite` or `withdraw_invitation` (the server
// allows a change of the interview under the same rule as the invitation's withdrawal).
import { useState } from 'preact/hooks';
import { del, post, put } from '../../api.js';
import { Dialog } from '../../components/dialog.js';
import { errorText, fieldError, TextField } from '../../components/field.js';
import { ErrorSummary, SubmitButton, useForm } from '../../components/form.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';
import { brusselsInputs, brusselsInstant, formatDateTime, formatTime } from '../../lib/format.js';

const IDS = {
  date: 'interview-date',
  time: 'interview-time',
  place: 'interview-place',
  duration_minutes: 'interview-duration',
};
// The server names the moment `starts_at` (`interview.starts_at` in an invitation's body).
const SERVER_FIELDS = { date: 'starts_at', place: 'place', duration_minutes: 'duration_minutes' };

/** This service's live invitation of the request, if any. */
export function ownLiveInvitation(request, user) {
  return (request.invitations || []).find((i) => i.outcome === 'pending' && i.service?.id === user.organisation?.id);
}

/** "3 dec 2026 14:00–15:00, Kerkstraat 1": the interview in Brussels time. */
export function interviewWords(interview) {
  return `${formatDateTime(interview.starts_at)}–${formatTime(interview.ends_at)}, ${interview.place}`;
}

/** `mode` 'invite' (invites with the interview) or 'change' (the live invitation's). */
export function InterviewDialog({ request, mode, current, onDone, onClose }) {
  const initial = current ? brusselsInputs(current.starts_at) : { date: '', time: '' };
  const ids = {};
  for (const [field, server] of Object.entries(SERVER_FIELDS)) {
    ids[server] = IDS[field];
    ids[`interview.${server}`] = IDS[field];
  }
  const form = useForm(
    {
      ...initial,
      place: current?.place ?? '',
      duration_minutes: String(current?.duration_minutes ?? 60),
    },
    { ids: { ...IDS, ...ids } },
  );
  const name = `${request.first_name} ${request.last_name}`;
  const shown = (field) => {
    const server = SERVER_FIELDS[field];
    return form.errors[field] || (server && (form.errors[server] || form.errors[`interview.${server}`]));
  };
  async function onSubmit(event) {
    event.preventDefault();
    const v = form.values;
    const problems = {};
    if (!v.date) problems.date = fieldError('date', 'required');
    if (!v.time) problems.time = fieldError('time', 'required');
    if (!v.place.trim()) problems.place = fieldError('place', 'required');
    const startsAt = brusselsInstant(v.date, v.time);
    if (v.date && v.time && !startsAt) problems.time = t('interview.no_such_time');
    if (!form.check(problems)) return;
    const interview = { starts_at: startsAt, place: v.place, duration_minutes: Number(v.duration_minutes) || 60 };
    await form.submit(async () => {
      if (mode === 'invite') await post(`/placement-requests/${request.id}/invitations`, { interview });
      else await put(`/placement-requests/${request.id}/invitations/mine/interview`, interview);
      onDone(t(mode === 'invite' ? 'service.invited_message' : 'interview.saved_message', { name }));
    });
  }
  const field = (key, type, extra = {}) => html`<${TextField} id=${IDS[key]} type=${type} label=${t(`interview.${key}`)}
    value=${form.values[key]} onInput=${form.set(key)} error=${shown(key)} ...${extra} />`;
  return html`
    <${Dialog} title=${t(mode === 'invite' ? 'interview.invite_title' : 'interview.change_title', { name })} onClose=${onClose}>
      <form ref=${form.ref} onSubmit=${onSubmit} novalidate>
        <p>${t('interview.intro')}</p>
        <${ErrorSummary} form=${form} />
        ${field('date', 'date', { required: true })}
        ${field('time', 'time', { required: true, hint: t('interview.time_hint') })}
        ${field('duration_minutes', 'number', { min: 15, max: 480, step: 15 })}
        ${field('place', 'text', { required: true, maxLength: 200, hint: t('interview.place_hint') })}
        <div class="actions">
          <${SubmitButton} form=${form} class="primary">${t(mode === 'invite' ? 'interview.invite_submit' : 'interview.save')}</${SubmitButton}>
          <button type="button" onClick=${onClose}>${t('common.cancel')}</button>
        </div>
      </form>
    </${Dialog}>`;
}

/**
 * The detail page's interview part: with `invite` offered, a way to invite with a proposed
 * moment; with the service's invitation live, its interview and the buttons to propose,
 * change or drop it.
 */
export function InterviewPanel({ request, user, onDialog, onDone, onError }) {
  const [busy, setBusy] = useState(false);
  const actions = request.actions || [];
  const own = ownLiveInvitation(request, user);
  const interview = own?.interview;
  const name = `${request.first_name} ${request.last_name}`;
  async function drop() {
    if (busy) return;
    setBusy(true);
    try {
      await del(`/placement-requests/${request.id}/invitations/mine/interview`);
      onDone(t('interview.dropped_message', { name }));
    } catch (err) {
      onError(errorText(err.code, err.detail));
    } finally {
      setBusy(false);
    }
  }
  if (actions.includes('invite')) {
    return html`<p class="actions"><button type="button" data-interview="invite"
      onClick=${() => onDialog('invite_interview')}>${t('interview.invite_with')}</button></p>`;
  }
  if (!own || !actions.includes('withdraw_invitation')) {
    return interview ? html`<p class="interview">${t('interview.label')}: ${interviewWords(interview)}</p>` : null;
  }
  return html`
    <section class="card interview" aria-labelledby="interview-heading">
      <h2 id="interview-heading">${t('interview.heading')}</h2>
      <p>${interview ? interviewWords(interview) : t('interview.none')}</p>
      <div class="actions">
        <button type="button" data-interview="change" onClick=${() => onDialog('interview')}>
          ${t(interview ? 'interview.change' : 'interview.propose')}</button>
        ${
          interview &&
          html` <button type="button" data-interview="drop" aria-disabled=${busy ? 'true' : undefined}
            onClick=${drop}>${t('interview.drop')}</button>`
        }
      </div>
    </section>`;
}

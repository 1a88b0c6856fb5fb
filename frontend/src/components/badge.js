// The overview's status column, as the manual describes it: empty while no service acted,
// then the inviting services, then the accepting service with its notes and contact person.
// The status is the server's (`request.status`): after the decision deadline an invited pupil
// is `not_placed`, whatever invitations it had; the client derives no status of its own.
import { html } from '../html.js';
import { t } from '../i18n/index.js';
import { formatPhone } from '../lib/format.js';

export function StatusBadge({ request, detailed = false }) {
  const { status } = request;
  if (status === 'accepted' && request.acceptance) {
    const { service, notes, contact_person: contact } = request.acceptance;
    return html`
      <div class="status">
        <span class="badge badge-accepted">${t('status.accepted_by', { name: service?.name ?? '' })}</span>
        ${detailed && notes && html`<p class="status-notes">${notes}</p>`}
        ${detailed && contact && html`<p class="status-contact">${t('status.contact')}: ${contact.name}, ${formatPhone(contact.phone)}, <a href=${`mailto:${contact.email}`}>${contact.email}</a></p>`}
      </div>`;
  }
  if (status === 'invited') {
    const live = (request.invitations || []).filter((i) => i.outcome === 'pending');
    const names = live
      .map((i) => i.service?.name)
      .filter(Boolean)
      .join(', ');
    return html`<span class="badge badge-invited">${names ? t('status.invited_by', { names }) : t('status.invited')}</span>`;
  }
  if (status === 'not_placed') return html`<span class="badge badge-not-placed">${t('status.not_placed')}</span>`;
  if (status === 'withdrawn') return html`<span class="badge badge-withdrawn">${t('status.withdrawn')}</span>`;
  // Open: the manual's column stays empty; a screen reader still hears the state.
  return html`<span class="badge badge-open"><span class="visually-hidden">${t('status.open')}</span></span>`;
}

/** The status column in words, as the badge and its notes say it (the live announcements
 * name a pupil's change with it). */
export function statusWords(request) {
  const { status } = request;
  let words;
  if (status === 'accepted' && request.acceptance)
    words = t('status.accepted_by', { name: request.acceptance.service?.name ?? '' });
  else if (status === 'invited') {
    const names = (request.invitations || [])
      .filter((i) => i.outcome === 'pending')
      .map((i) => i.service?.name)
      .filter(Boolean)
      .join(', ');
    words = names ? t('status.invited_by', { names }) : t('status.invited');
  } else words = t(`status.${status === 'not_placed' || status === 'withdrawn' ? status : 'open'}`);
  const notes = outcomeLines(request).map((l) => l.text);
  return [words, ...notes].join('; ');
}

function outcomeLines(request) {
  return [
    ...(request.invitations || [])
      .filter((i) => i.outcome === 'declined')
      .map((i) => ({ at: i.ended_at, text: t('status.declined_by', { name: i.service?.name ?? '' }) })),
    ...(request.releases || []).map((r) => ({
      at: r.released_at,
      text: t('status.released_by', { name: r.service?.name ?? '' }),
    })),
  ].sort((a, b) => (a.at < b.at ? -1 : 1));
}

/**
 * What became of the services' responses that did not last: one short line per service that
 * declined after the interview and per service that undid its acceptance (the owning school
 * and the admin get `releases`; the reasons are in the request's history).
 */
export function OutcomeNotes({ request }) {
  const lines = outcomeLines(request);
  if (!lines.length) return null;
  return html`<ul class="plain status-notes">${lines.map((l) => html`<li>${l.text}</li>`)}</ul>`;
}

// The overview's status column, after the manual: "open" while no service acted, then the
// inviting services, then the accepting service with its notes and contact person. The tag
// holds a short label ("Uitgenodigd"); who invited or accepted follows it as plain text.
// The status is the server's (`request.status`): after the decision deadline an invited pupil
// is `not_placed`, whatever invitations it had; the client derives no status of its own.
import { html } from '../html.js';
import { t } from '../i18n/index.js';
import { formatDateTime, formatPhone, formatTime } from '../lib/format.js';

/** A status tag: a short label with its status's tint, edge and mark (styles.css, "Tags"). */
export function Tag({ status, children }) {
  return html`<strong class=${`badge badge-${status}`}>${children}</strong>`;
}

export function StatusBadge({ request, detailed = false }) {
  const { status } = request;
  if (status === 'accepted' && request.acceptance) {
    const { service, notes, contact_person: contact } = request.acceptance;
    return html`
      <div class="status">
        <${Tag} status="accepted">${t('status.accepted')}</${Tag}>
        ${service?.name && html` <span class="status-by">${t('status.by', { names: service.name })}</span>`}
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
    const planned = detailed ? live.filter((i) => i.interview) : [];
    return html`<span class="status"><${Tag} status="invited">${t('status.invited')}</${Tag}>${
      names && html` <span class="status-by">${t('status.by', { names })}</span>`
    }</span>${planned.length > 0 && html`<${InterviewLines} invitations=${planned} />`}`;
  }
  if (status === 'not_placed') return html`<${Tag} status="not-placed">${t('status.not_placed')}</${Tag}>`;
  if (status === 'withdrawn') return html`<${Tag} status="withdrawn">${t('status.withdrawn')}</${Tag}>`;
  // Open: no service acted yet; labelled like every other status.
  return html`<${Tag} status="open">${t('status.open')}</${Tag}>`;
}

/** The interviews the inviting services propose, one line each, in Brussels time. */
function InterviewLines({ invitations }) {
  return html`<ul class="plain status-notes interviews">${invitations.map(
    (i) =>
      html`<li>${t('status.interview', {
        name: i.service?.name ?? '',
        when: `${formatDateTime(i.interview.starts_at)}–${formatTime(i.interview.ends_at)}`,
        place: i.interview.place,
      })}</li>`,
  )}</ul>`;
}

/** The status column in words, as the badge and its notes say it (the live announcements
 * name a pupil's change with it). */
export function statusWords(request) {
  const { status } = request;
  let words;
  if (status === 'accepted' && request.acceptance)
    words = `${t('status.accepted')} ${t('status.by', { names: request.acceptance.service?.name ?? '' })}`;
  else if (status === 'invited') {
    const names = (request.invitations || [])
      .filter((i) => i.outcome === 'pending')
      .map((i) => i.service?.name)
      .filter(Boolean)
      .join(', ');
    words = names ? `${t('status.invited')} ${t('status.by', { names })}` : t('status.invited');
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

/** A round's name as people say it: "Tweede ronde", "Derde ronde", "Ronde 4"; `lower` for
 * inside a sentence ("in de tweede ronde"). The number is the server's (`round`). */
export function roundName(n, { lower = false } = {}) {
  const name = n === 2 || n === 3 ? t(`round.${n}`) : t('round.n', { n });
  return lower ? name.toLowerCase() : name;
}

/** A request's round, from the second on: a tag beside its status (nothing in round 1). */
export function RoundTag({ round }) {
  if (!round || round < 2) return null;
  return html` <span class="round-tag" data-round=${round} title=${t('round.tag_label', { n: round })}>${roundName(round)}</span>`;
}

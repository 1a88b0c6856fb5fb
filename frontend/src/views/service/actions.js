// A service's buttons for one request: exactly the actions the server offers in the request's
// `actions` (backend/placements/transitions.py), none of its own making. Inviting and
// withdrawing the invitation act at once; accepting, declining and releasing open their
// dialogs (the detail page's).
import { useState } from 'preact/hooks';
import { post } from '../../api.js';
import { errorText } from '../../components/field.js';
import { html } from '../../html.js';
import { t } from '../../i18n/index.js';

const IMMEDIATE = {
  invite: { path: '/invitations', label: 'service.invite', done: 'service.invited_message', primary: true },
  withdraw_invitation: {
    path: '/invitations/mine/withdraw',
    label: 'service.withdraw',
    done: 'service.withdrawn_message',
  },
};
const WITH_DIALOG = {
  accept: { label: 'service.accept', primary: true },
  decline: { label: 'service.decline' },
  release: { label: 'service.release', danger: true },
};
const ORDER = ['invite', 'accept', 'decline', 'withdraw_invitation', 'release'];

/** Posts one immediate action; `onDone(message, request)` or `onError(message, request)` after. */
export function useAct(request, onDone, onError) {
  const [busy, setBusy] = useState(false);
  const name = `${request.first_name ?? ''} ${request.last_name ?? ''}`.trim();
  async function act(action) {
    if (busy) return;
    setBusy(true);
    try {
      await post(`/placement-requests/${request.id}${IMMEDIATE[action].path}`, {});
      onDone(t(IMMEDIATE[action].done, { name }), request);
    } catch (err) {
      onError(errorText(err.code, err.detail), request);
    } finally {
      setBusy(false);
    }
  }
  return [busy, act];
}

/**
 * The buttons of the request's `actions`; `onDialog(action)` opens a dialog's action (none in
 * a list's row, where only the immediate ones show). `name` names the pupil for screen readers
 * where several rows have the same buttons. A busy button is aria-disabled, not disabled: a
 * disabled button loses the focus (to <body>) while the request is on its way.
 */
export function ServiceActions({ request, onDone, onError, onDialog = null, name = '' }) {
  const [busy, act] = useAct(request, onDone, onError);
  const offered = ORDER.filter((a) => (request.actions || []).includes(a));
  const hidden = name && html`<span class="visually-hidden"> ${name}</span>`;
  // Keyed: after an action the old button goes, rather than turning into another one under
  // the keyboard's focus.
  return offered.map((action) => {
    if (IMMEDIATE[action]) {
      const { label, primary } = IMMEDIATE[action];
      return html`<button key=${action} type="button" class=${primary ? 'primary' : ''} data-action=${action}
        aria-disabled=${busy ? 'true' : undefined} onClick=${() => act(action)}>${t(label)}${hidden}</button> `;
    }
    if (!onDialog) return null;
    const { label, primary, danger } = WITH_DIALOG[action];
    return html`<button key=${action} type="button" class=${primary ? 'primary' : danger ? 'danger' : ''} data-action=${action}
      onClick=${() => onDialog(action)}>${t(label)}${hidden}</button> `;
  });
}

import { html } from '../html.js';

/** An error is announced at once (role=alert); a success politely (role=status). */
export function Alert({ kind = 'error', children }) {
  if (!children) return null;
  return html`<div class=${`alert alert-${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${children}</div>`;
}

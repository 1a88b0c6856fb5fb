// A modal on the native <dialog>: the browser traps focus, Escape closes, focus returns.
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';

let counter = 0;

export function Dialog({ title, onClose, children }) {
  const ref = useRef(null);
  const titleId = useRef(`dialog-title-${++counter}`).current;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus?.();
    };
  }, []);
  return html`
    <dialog ref=${ref} class="dialog" aria-labelledby=${titleId}
      onCancel=${(e) => { e.preventDefault(); onClose(); }}>
      <h2 id=${titleId}>${title}</h2>
      ${children}
    </dialog>`;
}

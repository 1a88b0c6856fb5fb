// A page: its title in the tab and in the one <h1>, which takes focus after a navigation so
// screen-reader users hear where they are.
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { t } from '../i18n/index.js';
import { Alert } from './alert.js';
import { errorText } from './field.js';

let firstPage = true;

export function Page({ title, actions, children, wide }) {
  const heading = useRef(null);
  useEffect(() => {
    document.title = `${title} · Stagematch`;
    if (firstPage) firstPage = false;
    else heading.current?.focus();
  }, [title]);
  return html`
    <div class=${`page${wide ? ' page-wide' : ''}`}>
      <div class="page-head">
        <h1 tabindex="-1" ref=${heading}>${title}</h1>
        ${actions && html`<div class="page-actions">${actions}</div>`}
      </div>
      ${children}
    </div>`;
}

export function Loading() {
  return html`<p class="loading" role="status">…</p>`;
}

/**
 * The page to show while `loaded` (a useLoad result) is not there yet: its error with an
 * optional way `back`, or the loading sign; null once the data is there.
 */
export function notLoaded(loaded, title, back = null) {
  if (loaded.error) {
    // A pupil (or anything) that is not there: the not-found page's title, not the form's.
    if (loaded.error.status === 404) title = t('notfound.title');
    return html`<${Page} title=${title}><${Alert}>${errorText(loaded.error.code, loaded.error.detail)}</${Alert}>${back && html`<p>${back}</p>`}</${Page}>`;
  }
  if (!loaded.data) return html`<${Page} title=${title}><${Loading} /></${Page}>`;
  return null;
}

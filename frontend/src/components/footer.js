// The foot of every page: the helpline (from the server's settings, the hours in the page's
// language) and the privacy and accessibility statements, as Flemish public sites carry.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { html } from '../html.js';
import { getLanguage, t } from '../i18n/index.js';

let config = null;

/** GET /config once per page load (public: the same before and after sign-in). */
export function useSupport() {
  const [support, setSupport] = useState(null);
  useEffect(() => {
    config ??= get('/config').catch(() => null);
    let live = true;
    config.then((found) => live && found?.support_email && setSupport(found));
    return () => {
      live = false;
    };
  }, []);
  return support;
}

export const telHref = (phone) => `tel:${phone.replace(/[^+\d]/g, '')}`;

export function Footer() {
  const s = useSupport();
  const hours = s && (getLanguage() === 'en' ? s.support_hours_en : s.support_hours);
  return html`
    <footer class="site-footer">
      <div class="footer-inner">
        <section class="footer-help" aria-labelledby="footer-help-title">
          <h2 id="footer-help-title">${t('footer.help')}</h2>
          ${
            s &&
            html`<p>
            <a href=${telHref(s.support_phone)}>${s.support_phone}</a>
            <span aria-hidden="true"> · </span>
            <a href=${`mailto:${s.support_email}`}>${s.support_email}</a><br />
            <span class="footer-hours">${hours}</span>
          </p>`
          }
        </section>
        <nav class="footer-links" aria-label=${t('footer.links')}>
          <ul>
            <li><a href="/privacy">${t('privacy.title')}</a></li>
            <li><a href="/accessibility">${t('accessibility.title')}</a></li>
          </ul>
        </nav>
      </div>
    </footer>`;
}

// The frame of every page: skip link, header with the role's navigation (a menu on a narrow
// screen), language switch; the page's <main>.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getLanguage, t } from '../i18n/index.js';
import { useLocation } from '../router.js';
import { CampaignBanner } from './banner.js';
import { useListShown } from './focus.js';
import { Footer } from './footer.js';

const NAV = {
  school: [
    ['/school', 'nav.school_home'],
    ['/school/supervisors', 'nav.supervisors'],
    ['/school/requests', 'nav.requests'],
    ['/school/requests/new', 'nav.new_request'],
  ],
  service: [
    ['/service', 'nav.browse'],
    ['/service/mine', 'nav.mine'],
    ['/service/profile', 'nav.profile'],
  ],
  admin: [
    ['/admin', 'nav.dashboard'],
    ['/admin/requests', 'nav.admin_requests'],
    ['/admin/organisations', 'nav.organisations'],
    ['/admin/campaigns', 'nav.campaigns'],
    ['/admin/conflicts', 'nav.conflicts'],
    ['/admin/outbox', 'nav.outbox'],
    ['/admin/audit', 'nav.audit'],
    ['/admin/texts', 'nav.texts'],
  ],
};

export function LanguageSwitch({ onChange }) {
  const other = getLanguage() === 'nl' ? 'en' : 'nl';
  return html`
    <button type="button" class="link-button language" lang=${other} onClick=${() => onChange(other)}>
      ${other === 'en' ? 'English' : 'Nederlands'}
    </button>`;
}

/**
 * The header: the service's name, the role's navigation and the user's tools. Below 48em
 * (styles.css) the navigation and the tools fold behind a "Menu" button (aria-expanded),
 * closed again after each navigation.
 */
function Header({ user, path, onLanguage, onLogout }) {
  const links = user ? (NAV[user.role] ?? []) : [];
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const tools = html`
    <div class="header-tools">
      ${user && html`<a href="/account" class="who" aria-current=${path === '/account' ? 'page' : undefined}>${user.organisation?.name}</a>`}
      <${LanguageSwitch} onChange=${onLanguage} />
      ${user && html`<button type="button" class="link-button" onClick=${onLogout}>${t('nav.logout')}</button>`}
    </div>`;
  // Signed out there is only the language switch: no menu to fold it into.
  if (!user) {
    return html`
      <header class="site-header">
        <div class="header-inner header-solo">
          <a class="brand" href="/login">Stagematch</a>
          ${tools}
        </div>
      </header>`;
  }
  return html`
    <header class="site-header">
      <div class="header-inner">
        <a class="brand" href=${`/${user.role}`}>Stagematch</a>
        <button type="button" class="menu-toggle" aria-expanded=${open ? 'true' : 'false'} aria-controls="site-menu"
          onClick=${() => setOpen(!open)}>${t('nav.menu')}</button>
        <div id="site-menu" class=${open ? 'site-menu open' : 'site-menu'}>
          ${
            links.length > 0 &&
            html`
            <nav class="site-nav" aria-label=${t('nav.main')}>
              <ul>
                ${links.map(
                  ([href, key]) => html`
                  <li><a href=${href} aria-current=${path === href ? 'page' : undefined}>${t(key)}</a></li>`,
                )}
              </ul>
            </nav>`
          }
          ${tools}
        </div>
      </div>
    </header>`;
}

export function Layout({ user, onLanguage, onLogout, children }) {
  const { path } = useLocation();
  const list = useListShown();
  // The page's footer follows <main>.
  return html`
    <a class="skip-link" href="#main">${t('nav.skip')}</a>
    ${list && html`<a class="skip-link" href="#results">${t('nav.skip_results')}</a>`}
    <${Header} user=${user} path=${path} onLanguage=${onLanguage} onLogout=${onLogout} />
    <main id="main" tabindex="-1">
      ${user && NAV[user.role] && html`<${CampaignBanner} role=${user.role} path=${path} />`}
      ${children}
    </main>
    <${Footer} />`;
}

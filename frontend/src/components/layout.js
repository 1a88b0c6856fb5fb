// The frame of every page: skip link, header with the role's navigation, language switch.
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

export function Layout({ user, onLanguage, onLogout, children }) {
  const { path } = useLocation();
  const links = user ? (NAV[user.role] ?? []) : [];
  const list = useListShown();
  return html`
    <a class="skip-link" href="#main">${t('nav.skip')}</a>
    ${list && html`<a class="skip-link" href="#results">${t('nav.skip_results')}</a>`}
    <header class="site-header">
      <div class="header-inner">
        <a class="brand" href=${user ? `/${user.role}` : '/login'}>Stagematch</a>
        ${
          links.length > 0 &&
          html`
          <nav aria-label=${t('nav.main')}>
            <ul>
              ${links.map(
                ([href, key]) => html`
                <li><a href=${href} aria-current=${path === href ? 'page' : undefined}>${t(key)}</a></li>`,
              )}
            </ul>
          </nav>`
        }
        <div class="header-tools">
          ${user && html`<a href="/account" class="who" aria-current=${path === '/account' ? 'page' : undefined}>${user.organisation?.name}</a>`}
          <${LanguageSwitch} onChange=${onLanguage} />
          ${user && html`<button type="button" class="link-button" onClick=${onLogout}>${t('nav.logout')}</button>`}
        </div>
      </div>
    </header>
    <main id="main" tabindex="-1">
      ${user && NAV[user.role] && html`<${CampaignBanner} role=${user.role} path=${path} />`}
      ${children}
    </main>
    <${Footer} />`;
}

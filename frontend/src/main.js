// Start: language, session from the refresh cookie, then the router picks the view.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onSession, onUnauthenticated, patch, refresh, signOut } from './api.js';
import { Layout } from './components/layout.js';
import { Loading, Page } from './components/page.js';
import { html } from './html.js';
import { getLanguage, setLanguage, storedLanguage, t } from './i18n/index.js';
import { interceptLinks, match, navigate, useLocation } from './router.js';
import { Account } from './views/account/account.js';
import { Activate } from './views/account/activate.js';
import { Forgot } from './views/account/forgot.js';
import { Login } from './views/account/login.js';
import { MfaNeeded } from './views/account/mfa.js';
import { Reset } from './views/account/reset.js';

// Role views load on first use, so the first page stays small.
const lazy = (loader, name) => ({ loader, name });
const ROUTES = [
  ['/login', Login, 'public'],
  ['/activate', Activate, 'public'],
  ['/forgot', Forgot, 'public'],
  ['/reset-password', Reset, 'public'],
  ['/privacy', lazy(() => import('./views/public/text.js'), 'Privacy'), 'public'],
  ['/accessibility', lazy(() => import('./views/public/text.js'), 'Accessibility'), 'public'],
  ['/account', Account, 'any'],
  ['/account/tokens', lazy(() => import('./views/account/tokens.js'), 'ApiTokens'), 'any'],
  ['/admin/requests', lazy(() => import('./views/admin/request.js'), 'AdminRequests'), 'admin'],
  ['/admin/requests/:id', lazy(() => import('./views/admin/request.js'), 'AdminRequest'), 'admin'],
  ['/admin/texts', lazy(() => import('./views/admin/texts.js'), 'Texts'), 'admin'],
  ['/school', lazy(() => import('./views/school/home.js'), 'SchoolHome'), 'school'],
  ['/school/supervisors', lazy(() => import('./views/school/supervisors.js'), 'Supervisors'), 'school'],
  ['/school/requests', lazy(() => import('./views/school/overview.js'), 'Overview'), 'school'],
  ['/school/requests/new', lazy(() => import('./views/school/request-form.js'), 'NewRequest'), 'school'],
  ['/school/requests/import', lazy(() => import('./views/school/import.js'), 'ImportRequests'), 'school'],
  ['/school/requests/:id', lazy(() => import('./views/school/request-form.js'), 'EditRequest'), 'school'],
  ['/service', lazy(() => import('./views/service/browse.js'), 'Browse'), 'service'],
  ['/service/mine', lazy(() => import('./views/service/browse.js'), 'Mine'), 'service'],
  ['/service/requests/:id', lazy(() => import('./views/service/detail.js'), 'Detail'), 'service'],
  ['/service/profile', lazy(() => import('./views/service/profile.js'), 'Profile'), 'service'],
  ['/admin', lazy(() => import('./views/admin/dashboard.js'), 'Dashboard'), 'admin'],
  ['/admin/organisations', lazy(() => import('./views/admin/organisations.js'), 'Organisations'), 'admin'],
  ['/admin/campaigns', lazy(() => import('./views/admin/campaigns.js'), 'Campaigns'), 'admin'],
  ['/admin/campaigns/:id/proposal', lazy(() => import('./views/admin/proposal.js'), 'Proposal'), 'admin'],
  ['/admin/conflicts', lazy(() => import('./views/admin/conflicts.js'), 'Conflicts'), 'admin'],
  ['/admin/outbox', lazy(() => import('./views/admin/logs.js'), 'Outbox'), 'admin'],
  ['/admin/outbox/:id', lazy(() => import('./views/admin/logs.js'), 'OutboxMail'), 'admin'],
  ['/admin/audit', lazy(() => import('./views/admin/logs.js'), 'Audit'), 'admin'],
];

function resolve(path) {
  for (const [pattern, view, access] of ROUTES) {
    const params = match(pattern, path);
    if (params) return { view, access, params };
  }
  return null;
}

function Lazy({ spec, ...props }) {
  const [View, setView] = useState(() => spec.loaded ?? null);
  useEffect(() => {
    if (spec.loaded) return setView(() => spec.loaded);
    let live = true;
    spec.loader().then((module) => {
      spec.loaded = module[spec.name];
      if (live) setView(() => spec.loaded);
    });
    return () => {
      live = false;
    };
  }, [spec]);
  return View ? html`<${View} ...${props} />` : html`<${Loading} />`;
}

export function homeOf(user) {
  return user ? `/${user.role}` : '/login';
}

function loginPath() {
  const here = location.pathname + location.search;
  return here.startsWith('/login') ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}

/** An address the client does not know: a page of its own (its title in the tab, the focus
 * on its heading), not the previous page's. */
function NotFound() {
  return html`<${Page} title=${t('notfound.title')}><p><a href="/">${t('notfound.home')}</a></p></${Page}>`;
}

/** After sign-in, the role's views load in the background, so the menu opens them at once. */
function warmUp(user) {
  const idle = window.requestIdleCallback || ((callback) => setTimeout(callback, 500));
  idle(() => {
    for (const [, view, access] of ROUTES) {
      if (access !== user.role || !view.loader || view.loaded) continue;
      view.loader().then(
        (module) => {
          view.loaded = module[view.name];
        },
        () => {},
      );
    }
  });
}

function App({ initialUser }) {
  const [user, setUser] = useState(initialUser);
  const [, setLang] = useState(getLanguage());
  const { path, search } = useLocation();

  useEffect(() => onSession(setUser), []);
  useEffect(() => {
    if (user) warmUp(user);
  }, [user?.role]);
  useEffect(() => onUnauthenticated(() => navigate(loginPath())), []);

  const route = path === '/' ? null : resolve(path);
  useEffect(() => {
    if (path === '/') navigate(homeOf(user), { replace: true });
    else if (route && route.access !== 'public' && !user) navigate(loginPath(), { replace: true });
    else if (route && user && route.access !== 'any' && route.access !== 'public' && route.access !== user.role)
      navigate(homeOf(user), { replace: true });
  }, [path, user]);

  async function changeLanguage(next) {
    await setLanguage(next);
    setLang(next);
    // The account's language decides the language of its mail.
    if (user) patch('/me', { language: next }).catch(() => {});
  }

  async function logout() {
    await signOut();
    navigate('/login');
  }

  let content;
  if (!route) content = path === '/' ? html`<${Loading} />` : html`<${NotFound} />`;
  else if (route.access !== 'public' && !user) content = html`<${Loading} />`;
  // The server refuses an admin everything until two-step sign-in is on: say so, and where.
  else if (route.access === 'admin' && user.mfa_enrollment_required) content = html`<${MfaNeeded} />`;
  else {
    const props = { params: route.params, search, user, key: path };
    content = route.view.loader
      ? html`<${Lazy} spec=${route.view} ...${props} />`
      : html`<${route.view} ...${props} />`;
  }
  return html`<${Layout} user=${user} onLanguage=${changeLanguage} onLogout=${logout}>${content}</${Layout}>`;
}

async function start() {
  // The page's own view starts loading at once, beside the language and the session.
  const route = resolve(location.pathname);
  if (route?.view.loader) {
    route.view.loader().then(
      (module) => {
        route.view.loaded = module[route.view.name];
      },
      () => {},
    );
  }
  // A refresh cookie from an earlier visit signs the user in again without a password.
  let user = null;
  const unsubscribe = onSession((u) => {
    user = u;
  });
  const signIn = ['/activate', '/reset-password'].includes(location.pathname) ? null : refresh();
  await Promise.all([setLanguage(storedLanguage()), signIn]);
  unsubscribe();
  const root = document.getElementById('app');
  root.textContent = '';
  interceptLinks(document.body);
  render(html`<${App} initialUser=${user} />`, root);
}

// index.html's check found a browser that cannot run the client and showed a notice.
if (!window.stagematchUnsupported) start();

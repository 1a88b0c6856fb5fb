// One fetch wrapper for the whole client: the access token lives in memory only, the httpOnly
// refresh cookie renews it, and every problem+json answer becomes an ApiError whose field
// errors a form can show at the right input.

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor({ status, code, title, detail, fields, problem }) {
    super(detail || title || code);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.fields = fields; // {field: {code, message}}, the first error of each field
    this.problem = problem;
  }
}

/** Turns an HTTP status and its (problem+json or other) body into an ApiError. Pure. */
export function toApiError(status, body) {
  const problem = body && typeof body === 'object' ? body : {};
  const fields = {};
  for (const error of Array.isArray(problem.errors) ? problem.errors : []) {
    if (!error || typeof error.field !== 'string') continue;
    // "body.email" and "email" name the same input; a field's first error is the one shown.
    const field = error.field.replace(/^(body|query|path)\./, '');
    if (!(field in fields)) fields[field] = { code: error.code ?? 'invalid', message: error.message ?? '' };
  }
  // A refusal about one field (409 duplicate_request names `field`) is shown at that field too.
  if (typeof problem.field === 'string' && problem.code && !Object.keys(fields).length)
    fields[problem.field] = { code: problem.code, message: problem.detail ?? '' };
  const fallback = status >= 500 ? 'server_error' : status === 0 ? 'network_error' : 'http_error';
  return new ApiError({
    status,
    code: problem.code || fallback,
    title: problem.title,
    detail: problem.detail,
    fields,
    problem,
  });
}

let accessToken = null;
let refreshing = null;
const listeners = new Set();

/** Called with (user | null) whenever the signed-in user changes. */
export function onSession(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setSession(login) {
  accessToken = login ? login.access_token : null;
  for (const listener of listeners) listener(login ? login.user : null);
}

export function getAccessToken() {
  return accessToken;
}

let unauthenticated = () => {};
/** What to do when the refresh cookie is gone too (the app sends the user to login). */
export function onUnauthenticated(handler) {
  unauthenticated = handler;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// The requests sent and not yet answered: signing out lets them finish first (below).
const inFlight = new Set();

async function send(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (accessToken) init.headers.Authorization = `Bearer ${accessToken}`;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const sent = fetch(BASE + path, init).catch(() => null); // null: offline or the server is down
  inFlight.add(sent);
  try {
    return await sent;
  } finally {
    inFlight.delete(sent);
  }
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) return response.json();
  if (type.startsWith('text/')) return response.text();
  return response.blob();
}

// The server sets this readable cookie beside the httpOnly refresh cookie (same lifetime) and
// removes it at sign-out: without it there is no sign-in to renew, and asking would only earn
// a 401 in the console of every signed-out page.
const SESSION_HINT = 'stagematch_session';

function mayHaveSession() {
  return document.cookie.split(';').some((c) => c.trim().startsWith(`${SESSION_HINT}=`));
}

function forgetSessionHint() {
  // biome-ignore lint/suspicious/noDocumentCookie: the one readable cookie, ours to clear
  document.cookie = `${SESSION_HINT}=; Max-Age=0; Path=/; SameSite=Strict`;
}

/** Rotates the refresh cookie; shared by every request that hit a 401 at the same moment. */
export function refresh() {
  if (!refreshing && !mayHaveSession()) {
    if (accessToken) setSession(null);
    return Promise.resolve(false);
  }
  if (!refreshing) {
    refreshing = (async () => {
      const response = await send('/auth/refresh', { method: 'POST' });
      if (response?.ok) {
        const login = await response.json();
        setSession(login);
        return true;
      }
      if (response?.status === 401) forgetSessionHint();
      if (accessToken) setSession(null);
      return false;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/**
 * Calls the API. Answers the parsed body; throws ApiError. A 401 refreshes once and retries;
 * a second 401 signs out and lets the app send the user to login (and back afterwards).
 */
export async function api(path, options = {}) {
  // While signing out nothing more is asked with the token being revoked (it would earn a
  // 401): the call waits for good, and the page that made it goes away with the session.
  if (signingOut && !options.public) return new Promise(() => {});
  let response = await send(path, options);
  if (response && response.status === 401 && !options.public) {
    if (await refresh()) response = await send(path, options);
    if (response && response.status === 401) {
      setSession(null);
      unauthenticated();
    }
  }
  if (!response) throw toApiError(0, null);
  const body = await parse(response).catch(() => null);
  if (!response.ok) throw toApiError(response.status, body);
  if (options.withHeaders) return { body, headers: response.headers };
  return body;
}

let signingOut = false;

// How long signing out waits for the requests already sent (an export may take longer).
const SIGN_OUT_WAIT_MS = 5000;

/** Signs out: the requests already sent are answered first (revoked under them, they would
 * earn a 401), then the server revokes the session and removes the refresh cookie, and the
 * page forgets the user. */
export async function signOut() {
  signingOut = true;
  try {
    const waited = new Promise((resolve) => setTimeout(resolve, SIGN_OUT_WAIT_MS));
    await Promise.race([Promise.allSettled([...inFlight]), waited]);
    await api('/auth/logout', { method: 'POST', public: true }).catch(() => {});
  } finally {
    signingOut = false;
    setSession(null);
  }
}

/** Downloads an API answer as a file (exports), with the same auth as api(). */
export async function download(path, filename) {
  const blob = await api(path, { headers: { Accept: '*/*' } });
  saveBlob(blob instanceof Blob ? blob : new Blob([blob]), filename);
}

/** Hands a blob to the browser as a file download. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const get = (path, params) => api(path + query(params));

/**
 * Every item of a paginated list, page after page (the server works on one page at a time
 * anyway). `onProgress({items, total})` gets the first page as soon as it is there, so a
 * long list shows its first screen at once; the rest is drawn in one go when it has all
 * arrived, because every redraw of a growing table lays the whole table out again.
 * Answers {items, total}. `limit` bounds it (a school has hundreds of pupils, not tens of
 * thousands).
 */
export async function getAll(path, params, { pageSize = 200, limit = 5000, onProgress } = {}) {
  const items = [];
  for (let page = 1; ; page++) {
    const answer = await get(path, { ...params, page, page_size: pageSize });
    items.push(...answer.items);
    const done = items.length >= answer.total || items.length >= limit || answer.items.length === 0;
    if (done) return { items, total: answer.total };
    if (page === 1) onProgress?.({ items: [...items], total: answer.total });
  }
}

export const post = (path, body, options = {}) => api(path, { ...options, method: 'POST', body });
export const patch = (path, body, options = {}) => api(path, { ...options, method: 'PATCH', body });
export const put = (path, body, options = {}) => api(path, { ...options, method: 'PUT', body });
export const del = (path, options = {}) => api(path, { ...options, method: 'DELETE' });

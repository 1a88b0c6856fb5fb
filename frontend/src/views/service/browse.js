// A service's browse list (open and invited requests, with the distance to each pupil) and
// its own lists ("mijn leerlingen").
import { useEffect, useState } from 'preact/hooks';
import { download, get } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { useChangeAnnouncer } from '../../components/announce.js';
import { RoundTag, Tag } from '../../components/badge.js';
import { ChoiceGroup, errorText, SelectField, TextField } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { FilterPanel, ListCount, SortHeader } from '../../components/list.js';
import { useLiveUpdates } from '../../components/live.js';
import { useLoad } from '../../components/load.js';
import { DAYS, FORMS, options, PROVINCES, TRANSPORT } from '../../components/options.js';
import { Loading, Page } from '../../components/page.js';
import { Pager } from '../../components/pager.js';
import { TrackSwitch, useTrack } from '../../components/track.js';
import { html } from '../../html.js';
import { getLanguage, t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { fitWords } from '../../lib/fit.js';
import { formatDate, formatDateTime } from '../../lib/format.js';
import { useQueryState } from '../../router.js';
import { ServiceActions } from './actions.js';

const PAGE_SIZE = 100;
const NO_FILTERS = {
  province: [],
  near: '',
  max_km: '',
  transport: [],
  days: [],
  form: '',
  start_from: '',
  start_to: '',
  q: '',
};
const FILTER_NAMES = Object.keys(NO_FILTERS);

/** The browse list's address: filters, sort and page. By distance when the service has a
 * place to measure from (its postcode; the server measures), else the newest first. */
function browseDefaults(user) {
  return { ...NO_FILTERS, sort: user.organisation?.postcode ? 'distance' : 'newest', page: '1' };
}

// The distance the browse list gave for each pupil, so the detail page can show it too
// (one request's own answer has none); kept for the tab, so a reload keeps it.
const DISTANCES = 'stagematch.distances';
function rememberDistances(rows) {
  try {
    const known = JSON.parse(sessionStorage.getItem(DISTANCES) || '{}');
    for (const r of rows) if (r.distance_km != null) known[r.id] = r.distance_km;
    sessionStorage.setItem(DISTANCES, JSON.stringify(known));
  } catch {
    // No storage (private mode): the detail page shows no distance.
  }
}
export function knownDistance(id) {
  try {
    return JSON.parse(sessionStorage.getItem(DISTANCES) || '{}')[id] ?? null;
  } catch {
    return null;
  }
}

/** The service's places left in the campaign shown; nothing when it set no limit. */
function Capacity({ data }) {
  const [campaign, capacities] = data || [];
  const own = campaign && (capacities || []).find((c) => c.campaign_id === campaign.id);
  if (!own) return null;
  const words = { remaining: own.remaining, capacity: own.capacity, year: campaign.school_year };
  return own.remaining > 0
    ? html`<p class="alert alert-info capacity">${t('capacity.left', words)}</p>`
    : html`<p class="alert alert-error capacity"><strong>${t('capacity.full', words)}</strong></p>`;
}

/** The landing page's word of what waits for the service: the pupils it invited that wait
 * for its answer (a link to that list) and the decision deadline, as the server counts. */
function Waiting({ summary }) {
  if (!summary?.campaign_id) return null;
  const waiting = summary.mine?.invited ?? 0;
  const deadline = formatDateTime(summary.decision_deadline);
  return html`
    <p class=${`alert ${summary.deadline_near && waiting > 0 ? 'alert-error' : 'alert-info'} waiting`} data-testid="waiting">
      ${
        waiting > 0
          ? html`<a href="/service/mine?tab=invited">${t('home.service_waiting', { count: waiting })}</a>`
          : t('home.service_none_waiting')
      }${' '}${t(summary.deadline_near ? 'home.service_deadline_near' : 'home.service_deadline', { deadline })}
    </p>`;
}

function myInvitation(request, user) {
  return (request.invitations || []).find((i) => !i.service || i.service.id === user.organisation?.id);
}

/**
 * The request's status for this service: the server's `status` where it is final (not placed
 * after the decision deadline, withdrawn), else what this service's own invitation became.
 */
function serviceStatus(request, user) {
  const mine = myInvitation(request, user);
  if (request.status === 'not_placed') return { kind: 'not-placed', words: t('status.not_placed') };
  if (request.status === 'withdrawn') return { kind: 'withdrawn', words: t('status.withdrawn') };
  if (request.acceptance && request.acceptance.service?.id === user.organisation?.id)
    return { kind: 'accepted', words: t('status.accepted'), byYou: true };
  if (mine?.outcome === 'pending') return { kind: 'invited', words: t('status.invited'), byYou: true };
  // Its invitation of an earlier round ended with that round: the pupil is open to it again.
  if (mine?.outcome === 'round_ended') return { kind: 'open', words: t('outcome.round_ended') };
  if (mine) return { kind: 'withdrawn', words: t(`outcome.${mine.outcome}`) };
  return { kind: 'open', words: t('service.not_invited') };
}

/** A short tag, then who: "[Aanvaard] door jouw dienst". */
export function ServiceStatus({ request, user }) {
  const { kind, words, byYou } = serviceStatus(request, user);
  const tag = html`<${Tag} status=${kind}>${words}</${Tag}>`;
  if (!byYou) return tag;
  return html`<span class="status">${tag} <span class="status-by">${t('status.by_you')}</span></span>`;
}

/** Says by name what changed in a service's list while it is open (another service accepted a
 * pupil, a school withdrew one, a new pupil came in). */
function useAnnouncedList(list, user, shape) {
  return useChangeAnnouncer({
    rows: items(list.data),
    loading: list.loading,
    shape,
    name: (r) => `${r.first_name} ${r.last_name}`,
    words: (r) => {
      const { words, byYou } = serviceStatus(r, user);
      return byYou ? `${words} ${t('status.by_you')}` : words;
    },
  });
}

/** A pupil's fit for the service, as the server scored it: the score, then the reasons in
 * words (only in the list sorted by best fit). */
function Fit({ fit }) {
  if (!fit) return null;
  const { score, reasons } = fitWords(fit);
  return html`
    <div class="fit">
      <strong class="fit-score">${score}</strong>
      <ul class="fit-reasons">${reasons.map((words) => html`<li>${words}</li>`)}</ul>
    </div>`;
}

/** The service's lists: a table, cards on a phone (styles.css, `table.cards`). */
function RequestTable({ rows, user, showDistance = true, caption, sort, onSort, onChanged, onError }) {
  const by = (key) => (onSort ? key : undefined);
  const label = {
    city: t('field.city'),
    distance: t('service.distance'),
    school: t('service.school'),
    period: t('request.period'),
    transport: t('field.transport_modes'),
    status: t('field.status'),
    actions: t('service.actions'),
    fit: t('service.fit'),
  };
  return html`
    <div class="table-wrap" tabindex="0">
      <table class="cards">
        <caption class="visually-hidden">${caption}</caption>
        <thead><tr>
          <${SortHeader} label=${t('field.name')} by=${by('name')} sort=${sort} onSort=${onSort} />
          <${SortHeader} label=${label.city} />
          ${showDistance && html`<${SortHeader} label=${label.distance} by=${by('distance')} sort=${sort} onSort=${onSort} />`}
          ${showDistance && html`<${SortHeader} label=${label.fit} by=${by('fit')} sort=${sort} onSort=${onSort} direction="descending" />`}
          <${SortHeader} label=${label.school} />
          <${SortHeader} label=${label.period} by=${by('start_date')} sort=${sort} onSort=${onSort} />
          <${SortHeader} label=${label.transport} />
          <${SortHeader} label=${label.status} by=${by('status')} sort=${sort} onSort=${onSort} />
          <${SortHeader} label=${label.actions} />
        </tr></thead>
        <tbody>
          ${rows.map(
            (r) => html`
            <tr key=${r.id} data-id=${r.id}>
              <td class="card-title"><a href=${`/service/requests/${r.id}`}>${r.first_name} ${r.last_name}</a></td>
              <td data-label=${label.city}>${r.postcode} ${r.city}</td>
              ${showDistance && html`<td data-label=${label.distance}>${r.distance_km == null ? '–' : t('service.km', { km: Math.round(r.distance_km) })}</td>`}
              ${showDistance && html`<td data-label=${label.fit}><${Fit} fit=${r.fit} /></td>`}
              <td data-label=${label.school}>${r.school?.name ?? ''}</td>
              <td data-label=${label.period}>${r.start_date ? `${formatDate(r.start_date)} – ${formatDate(r.end_date)}` : ''}</td>
              <td data-label=${label.transport}>${(r.transport_modes || []).map((m) => t(`transport.${m}`)).join(', ')}</td>
              <td data-label=${label.status}><${ServiceStatus} request=${r} user=${user} /><${RoundTag} round=${r.round} /></td>
              <td class="row-actions" data-label=${label.actions}><${ServiceActions} request=${r} name=${`${r.first_name} ${r.last_name}`}
                onDone=${onChanged} onError=${onError} /></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

export function Browse({ user, search }) {
  const [track, setTrack] = useTrack();
  const [shown, setShown] = useQueryState(search, browseDefaults(user));
  const shape = JSON.stringify(shown);
  const [draft, setDraft] = useState(shown);
  useEffect(() => setDraft(shown), [shape]);
  const page = Number(shown.page) || 1;
  const setPage = (next) => setShown({ page: String(next) });
  const list = useLoad(
    () => get('/placement-requests', { track, ...shown, page, page_size: PAGE_SIZE }),
    [track, shape],
  );
  const active = FILTER_NAMES.filter((name) => String(shown[name] || '')).length;
  const capacity = useLoad(
    () =>
      Promise.all([
        get('/campaigns/current', { track }).catch(() => null),
        get(`/organisations/${user.organisation?.id}/capacities`).catch(() => []),
      ]),
    [track],
  );
  const summary = useLoad(() => get('/placement-requests/summary', { track }).catch(() => null), [track]);
  const changes = useAnnouncedList(list, user, `${track} ${shape}`);
  useLiveUpdates(() => {
    changes.heard();
    list.reload();
    capacity.reload();
    summary.reload();
  });
  const set = (name) => (value) => setDraft((d) => ({ ...d, [name]: value }));
  const rows = items(list.data);
  useEffect(() => rememberDistances(rows), [list.data]);
  const [said, setSaid] = useState({ message: null, error: null });
  // The row's button is gone after an action: focus goes to the message naming the pupil.
  const result = useResult();
  const changed = (message, request) => {
    changes.own(request?.id);
    setSaid({ message, error: null });
    result.focus();
    list.reload();
    capacity.reload();
    summary.reload();
  };
  const failed = (error) => {
    setSaid({ message: null, error });
    result.focus();
    list.reload();
  };

  return html`
    <${Page} title=${t('service.browse_title')} wide>
      <${TrackSwitch} track=${track} onChange=${(v) => {
        setShown({ page: '1' }, { replace: true });
        setTrack(v);
      }} />
      <${Capacity} data=${capacity.data} />
      <${Waiting} summary=${summary.data} />
      <${Result} result=${result}>
        <${Alert}>${said.error}</${Alert}>
        <${Alert} kind="success">${said.message}</${Alert}>
      </${Result}>
        <${FilterPanel} active=${active} onSubmit=${() => {
          const chosen = Object.fromEntries(FILTER_NAMES.map((name) => [name, draft[name]]));
          setShown({ ...chosen, page: '1' });
        }}>
          <${TextField} id="q" type="search" label=${t('overview.search')} value=${draft.q} onInput=${set('q')} />
          <${TextField} id="near" label=${t('service.near')} value=${draft.near} onInput=${set('near')} inputmode="numeric" maxlength="4" hint=${t('service.near_hint')} />
          <${TextField} id="max_km" type="number" min="1" max="300" label=${t('service.max_km')} value=${draft.max_km} onInput=${set('max_km')} />
          <${SelectField} id="form" label=${t('field.form')} value=${draft.form} onChange=${set('form')} options=${options(FORMS, 'form')} placeholder=${t('common.all')} />
          <${TextField} id="start_from" type="date" label=${t('service.start_from')} value=${draft.start_from} onInput=${set('start_from')} />
          <${TextField} id="start_to" type="date" label=${t('service.start_to')} value=${draft.start_to} onInput=${set('start_to')} />
          <${ChoiceGroup} id="province" legend=${t('field.province')} options=${options(PROVINCES, 'province')} value=${draft.province} onChange=${set('province')} />
          <${ChoiceGroup} id="transport" legend=${t('field.transport_modes')} options=${options(TRANSPORT, 'transport')} value=${draft.transport} onChange=${set('transport')} />
          <${ChoiceGroup} id="days" legend=${t('field.days')} options=${options(DAYS, 'day')} value=${draft.days} onChange=${set('days')} />
          <div class="actions field">
            <button type="submit" class="primary">${t('service.apply_filters')}</button>
            <button type="button" onClick=${() => setShown({ ...NO_FILTERS, page: '1' })}>${t('service.clear_filters')}</button>
          </div>
        </${FilterPanel}>
      <${ListCount} total=${list.data?.total ?? rows.length} estimate=${list.data?.total_is_estimate} loading=${list.loading} />
      ${list.error && html`<${Alert}>${errorText(list.error.code, list.error.detail)}</${Alert}>`}
      ${
        list.loading && !list.data
          ? html`<${Loading} />`
          : rows.length
            ? html`<${RequestTable} rows=${rows} user=${user} caption=${t('nav.browse')}
        sort=${shown.sort} onSort=${(sort) => setShown({ sort, page: '1' })} onChanged=${changed} onError=${failed} />`
            : html`<p class="card">${t('overview.none')}</p>`
      }
      <${Pager} page=${page} pageSize=${PAGE_SIZE} total=${list.data?.total} estimate=${list.data?.total_is_estimate} onPage=${setPage} />
    </${Page}>`;
}

const MINE = ['invited', 'accepted', 'placed_elsewhere', 'withdrawn'];

export function Mine({ user, search }) {
  const [track, setTrack] = useTrack();
  const [shown, setShown] = useQueryState(search, { tab: 'accepted', page: '1', sort: 'name' });
  const tab = MINE.includes(shown.tab) ? shown.tab : 'accepted';
  const page = Number(shown.page) || 1;
  const setPage = (next) => setShown({ page: String(next) });
  const [error, setError] = useState(null);
  const [message, setMessage] = useState(null);
  const result = useResult();
  const list = useLoad(
    () => get('/placement-requests', { track, mine: tab, sort: shown.sort, page, page_size: PAGE_SIZE }),
    [track, tab, page, shown.sort],
  );
  const changes = useAnnouncedList(list, user, `${track} ${tab} ${page} ${shown.sort}`);
  useLiveUpdates(() => {
    changes.heard();
    list.reload();
  });
  const rows = items(list.data);

  async function exportFile(format) {
    setError(null);
    try {
      await download(
        `/placement-requests/export/accepted?format=${format}&track=${track}&lang=${getLanguage()}`,
        `mijn-leerlingen-${track}.${format}`,
      );
    } catch (err) {
      setError(errorText(err.code, err.detail));
    }
  }

  return html`
    <${Page} title=${t('service.mine_title')} wide actions=${html`
      <button type="button" onClick=${() => exportFile('xlsx')}>${t('service.export_accepted_xlsx')}</button>
      <button type="button" onClick=${() => exportFile('csv')}>${t('service.export_accepted_csv')}</button>`}>
      <${TrackSwitch} track=${track} onChange=${(v) => {
        setShown({ page: '1' }, { replace: true });
        setTrack(v);
      }} />
      <${Result} result=${result}>
        <${Alert}>${error}</${Alert}>
        <${Alert} kind="success">${message}</${Alert}>
      </${Result}>
      <p class="label" id="mine-lists">${t('service.mine_lists')}</p>
      <div class="track-switch list-switch" role="group" aria-labelledby="mine-lists">
        ${MINE.map(
          (value) =>
            html`<button type="button" aria-pressed=${tab === value ? 'true' : 'false'} onClick=${() => setShown({ tab: value, page: '1' })}>${t(`mine.${value}`)}</button>`,
        )}
      </div>
      ${
        list.loading && !list.data
          ? html`<${Loading} />`
          : rows.length
            ? html`<${RequestTable} rows=${rows} user=${user} showDistance=${false} caption=${t(`mine.${tab}`)}
        sort=${shown.sort} onSort=${(sort) => setShown({ sort, page: '1' })}
        onChanged=${(text, request) => {
          changes.own(request?.id);
          setError(null);
          setMessage(text);
          result.focus();
          list.reload();
        }} onError=${(text) => {
          setMessage(null);
          setError(text);
          result.focus();
          list.reload();
        }} />`
            : html`<p class="card">${t('overview.none')}</p>`
      }
      <${Pager} page=${page} pageSize=${PAGE_SIZE} total=${list.data?.total} estimate=${list.data?.total_is_estimate} onPage=${setPage} />
    </${Page}>`;
}

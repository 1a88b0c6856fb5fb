// The overview of the school's requests: status column as the manual describes, filters,
// search, and live changes when a service invites or accepts.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { download, get, getAll, query } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { useChangeAnnouncer } from '../../components/announce.js';
import { OutcomeNotes, RoundTag, StatusBadge, statusWords } from '../../components/badge.js';
import { errorText, SelectField, TextField } from '../../components/field.js';
import { afterPress } from '../../components/form.js';
import { FilterPanel, ListCount, SortHeader } from '../../components/list.js';
import { useLiveUpdates } from '../../components/live.js';
import { useLoad } from '../../components/load.js';
import { options, STATUSES } from '../../components/options.js';
import { Loading, Page } from '../../components/page.js';
import { TrackSwitch, useTrack } from '../../components/track.js';
import { html } from '../../html.js';
import { getLanguage, t } from '../../i18n/index.js';
import { campaignAllows, items } from '../../lib/campaign.js';
import { formatDate } from '../../lib/format.js';
import { useQueryState } from '../../router.js';
import { useCampaign } from './home.js';

// The overview's filters and sort live in the address (reload and back keep them).
const DEFAULTS = { status: '', supervisor_id: '', q: '', sort: 'name' };

// Column words, read once per language (a row of a thousand must not look them up again).
let labels = null;
function columnLabels() {
  if (labels?.language !== getLanguage()) {
    labels = {
      language: getLanguage(),
      city: t('field.city'),
      supervisor: t('field.supervisor_id'),
      period: t('request.period'),
      status: t('field.status'),
    };
  }
  return labels;
}

function RequestRow({ request: r }) {
  const supervisor = r.supervisor ? `${r.supervisor.first_name} ${r.supervisor.last_name}` : '';
  const label = columnLabels();
  return html`
    <tr data-id=${r.id}>
      <td class="card-title"><a href=${`/school/requests/${r.id}`}>${r.last_name} ${r.first_name}</a></td>
      <td data-label=${label.city}>${r.postcode} ${r.city}</td>
      <td data-label=${label.supervisor}>${supervisor}</td>
      <td data-label=${label.period}>${r.start_date ? `${formatDate(r.start_date)} – ${formatDate(r.end_date)}` : ''}</td>
      <td data-label=${label.status}><${StatusBadge} request=${r} detailed /><${RoundTag} round=${r.round} /><${OutcomeNotes} request=${r} /></td>
    </tr>`;
}

export function Overview({ search }) {
  const [track, setTrack] = useTrack();
  const [filters, setFilters] = useQueryState(search, DEFAULTS);
  const [typed, setTyped] = useState(filters.q);
  useEffect(() => setTyped(filters.q), [filters.q]);
  const shape = JSON.stringify(filters);
  const [error, setError] = useState(null);
  const { campaign } = useCampaign(track);

  // The whole overview in one table, as the manual shows it: all of the school's pupils.
  const list = useLoad(
    (partial) => getAll('/placement-requests', { track, ...filters }, { onProgress: partial }),
    [track, shape],
  );
  // The live stream and the supervisors (only the filter's choices) wait until the list has
  // loaded once, so they do not compete with its first requests.
  const loadedOnce = useRef(false);
  if (list.data !== undefined && !list.loading) loadedOnce.current = true;
  // What a service did while the overview is open is said by name (not only drawn).
  const changes = useChangeAnnouncer({
    rows: items(list.data),
    loading: list.loading,
    shape: `${track} ${shape}`,
    name: (r) => `${r.first_name} ${r.last_name}`,
    words: statusWords,
  });
  useLiveUpdates(() => {
    changes.heard();
    list.reload();
  }, loadedOnce.current);
  const supervisors = useLoad(
    () => (loadedOnce.current ? get('/supervisors', { page_size: 200 }) : Promise.resolve(null)),
    [loadedOnce.current],
  );

  const rows = items(list.data);
  const total = list.data?.total ?? rows.length;
  const setFilter = (name) => (value) => setFilters({ [name]: value });
  const sortBy = (sort) => setFilters({ sort });
  const active = ['status', 'supervisor_id', 'q'].filter((name) => filters[name]).length;
  // A long list grows page by page: a row already drawn keeps its vnode, and Preact skips a
  // component whose vnode is the very same object.
  const drawn = useMemo(() => new WeakMap(), [getLanguage()]);
  const rowOf = (r) => {
    if (!drawn.has(r)) drawn.set(r, html`<${RequestRow} key=${r.id} request=${r} />`);
    return drawn.get(r);
  };

  async function exportFile(format) {
    setError(null);
    try {
      // The export holds what the overview shows: the same track, filters and search.
      await download(
        `/placement-requests/export${query({ format, track, ...filters, lang: getLanguage() })}`,
        `aanvragen-${track}.${format}`,
      );
    } catch (err) {
      setError(errorText(err.code, err.detail));
    }
  }

  return html`
    <${Page} title=${t('overview.title')} wide
      actions=${html`${
        campaignAllows(campaign, 'school', 'create') &&
        html`<a class="button primary" href="/school/requests/new">${t('nav.new_request')}</a>
        <a class="button" href="/school/requests/import">${t('import.title')}</a>`
      }
        <button type="button" onClick=${() => exportFile('xlsx')}>${t('overview.export_xlsx')}</button>
        <button type="button" onClick=${() => exportFile('csv')}>${t('overview.export_csv')}</button>`}>
      <${TrackSwitch} track=${track} onChange=${setTrack} />
      <${Alert}>${error}</${Alert}>
      <${FilterPanel} active=${active} onSubmit=${() => setFilter('q')(typed)}>
        <${TextField} id="q" type="search" label=${t('overview.search')} value=${typed} onInput=${setTyped}
          onBlur=${() => afterPress(() => typed !== filters.q && setFilter('q')(typed))} />
        <${SelectField} id="status" label=${t('field.status')} value=${filters.status} onChange=${setFilter('status')}
          options=${options(STATUSES, 'status_filter')} placeholder=${t('common.all')} />
        <${SelectField} id="supervisor_filter" label=${t('field.supervisor_id')} value=${filters.supervisor_id}
          onChange=${setFilter('supervisor_id')} placeholder=${t('common.all')}
          options=${items(supervisors.data).map((s) => ({ value: s.id, label: `${s.first_name} ${s.last_name}` }))} />
        <div class="field"><button type="submit">${t('overview.search_button')}</button></div>
      </${FilterPanel}>
      <${ListCount} total=${total} estimate=${list.data?.total_is_estimate} loading=${list.loading} />
      ${list.error && html`<${Alert}>${errorText(list.error.code, list.error.detail)}</${Alert}>`}
      ${
        list.loading && !list.data
          ? html`<${Loading} />`
          : rows.length === 0
            ? html`<p class="card">${t('overview.none')}</p>`
            : html`
        <div class="table-wrap" tabindex="0">
          <table class="requests cards" aria-busy=${list.loading ? 'true' : 'false'}>
            <caption class="visually-hidden">${t('overview.title')}</caption>
            <thead><tr>
              <${SortHeader} label=${t('field.name')} by="name" sort=${filters.sort} onSort=${sortBy} />
              <${SortHeader} label=${t('field.city')} />
              <${SortHeader} label=${t('field.supervisor_id')} />
              <${SortHeader} label=${t('request.period')} by="start_date" sort=${filters.sort} onSort=${sortBy} />
              <${SortHeader} label=${t('field.status')} by="status" sort=${filters.sort} onSort=${sortBy} />
            </tr></thead>
            <tbody>${rows.map(rowOf)}</tbody>
          </table>
        </div>
`
      }
    </${Page}>`;
}

// The admin's dashboard: counts per status, requests per province and status, acceptances
// over time. The chart library loads only here (dynamic import), and each chart has a
// table beside it for screen readers and keyboard users.
import { useEffect, useRef, useState } from 'preact/hooks';
import { download, get, query } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { ReasonDialog } from '../../components/dialog.js';
import { errorText, SelectField } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { STATUSES } from '../../components/options.js';
import { Loading, Page } from '../../components/page.js';
import { html } from '../../html.js';
import { getLanguage, t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatDate } from '../../lib/format.js';
import { useQueryState } from '../../router.js';

const COLOURS = { open: '#9aa5b1', invited: '#0b5fa5', accepted: '#1b6e3a', not_placed: '#b3261e' };

function loadChartLibrary() {
  if (!document.querySelector('link[data-uplot]')) {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/node_modules/uplot/dist/uPlot.min.css';
    css.dataset.uplot = '';
    document.head.append(css);
  }
  return import('uplot').then((module) => module.default);
}

// Counts are whole numbers: the value axis steps by 1, 2, 5, 10, …
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
// The value axis starts at 0 and reaches at least 1, so an empty chart still has a scale
// (uPlot's range callback gets the plot and the data's minimum and maximum).
const FROM_ZERO = (_plot, _min, max) => [0, Math.max(1, max)];
const DAY = 86400;

function dayLabel(seconds) {
  return new Intl.DateTimeFormat(getLanguage() === 'en' ? 'en-GB' : 'nl-BE', {
    day: 'numeric',
    month: 'short',
    timeZone: 'Europe/Brussels',
  }).format(new Date(seconds * 1000));
}

/** A uPlot chart with our own legend (in the page's language), drawn once the library loaded. */
function Chart({ label, build, legend }) {
  const box = useRef(null);
  useEffect(() => {
    let plot = null;
    let live = true;
    loadChartLibrary().then((UPlot) => {
      if (!live || !box.current) return;
      const width = Math.min(box.current.clientWidth || 600, 900);
      const { options, data } = build(UPlot);
      plot = new UPlot({ width, height: 260, legend: { show: false }, ...options }, data, box.current);
    });
    return () => {
      live = false;
      plot?.destroy();
    };
  }, [build]);
  return html`
    <figure class="chart">
      <div ref=${box} role="img" aria-label=${label}></div>
      <figcaption class="legend">
        ${legend.map((item) => html`<span><i style=${`background:${item.colour}`} aria-hidden="true"></i>${item.label}</span>`)}
      </figcaption>
    </figure>`;
}

function ProvinceChart({ byProvince }) {
  const provinces = Object.keys(byProvince).sort();
  const build = (UPlot) => {
    const bars = UPlot.paths.bars({ size: [0.8 / STATUSES.length, 40], align: 0 });
    return {
      options: {
        scales: {
          x: { time: false, range: [-0.5, provinces.length - 0.5] },
          y: { range: FROM_ZERO },
        },
        axes: [
          {
            values: (_, ticks) => ticks.map((i) => (provinces[i] ? t(`province_short.${provinces[i]}`) : '')),
            splits: () => provinces.map((_, i) => i),
          },
          { incrs: WHOLE_STEPS },
        ],
        series: [
          {},
          ...STATUSES.map((status, n) => ({
            label: t(`status_filter.${status}`),
            fill: COLOURS[status],
            stroke: COLOURS[status],
            width: 0,
            paths: (u, sidx, i0, i1) => {
              // Each status sits beside the others within its province's slot.
              const shift = (n - (STATUSES.length - 1) / 2) * (0.8 / STATUSES.length);
              const xs = u.data[0].map((x) => x + shift);
              const saved = u.data[0];
              u.data[0] = xs;
              const p = bars(u, sidx, i0, i1);
              u.data[0] = saved;
              return p;
            },
            points: { show: false },
          })),
        ],
      },
      data: [provinces.map((_, i) => i), ...STATUSES.map((s) => provinces.map((p) => byProvince[p][s] ?? 0))],
    };
  };
  const legend = STATUSES.map((s) => ({ label: t(`status_filter.${s}`), colour: COLOURS[s] }));
  return html`<${Chart} label=${t('dashboard.by_province')} build=${build} legend=${legend} />`;
}

function AcceptanceChart({ perDay }) {
  const days = perDay.map((d) => Date.parse(`${d.date}T12:00:00Z`) / 1000);
  const build = (UPlot) => ({
    options: {
      // Days begin at midnight in Brussels, wherever the admin's computer is.
      tzDate: (seconds) => UPlot.tzDate(new Date(seconds * 1000), 'Europe/Brussels'),
      scales: {
        // At least a week wide, so one day of acceptances is a bar, not a lonely dot.
        x: { time: true, auto: false, range: [Math.min(...days) - 3 * DAY, Math.max(...days) + 3 * DAY] },
        y: { range: FROM_ZERO },
      },
      axes: [{ values: (_, ticks) => ticks.map(dayLabel), space: 70 }, { incrs: WHOLE_STEPS }],
      series: [
        {},
        {
          label: t('dashboard.acceptances'),
          stroke: COLOURS.accepted,
          fill: COLOURS.accepted,
          width: 0,
          paths: UPlot.paths.bars({ size: [0.6, 24] }),
          points: { show: false },
        },
      ],
    },
    data: [days, perDay.map((d) => d.count)],
  });
  return html`<${Chart} label=${t('dashboard.acceptances_over_time')} build=${build}
    legend=${[{ label: t('dashboard.acceptances'), colour: COLOURS.accepted }]} />`;
}

export function Dashboard({ search }) {
  const campaigns = useLoad(() => get('/campaigns'), []);
  const list = items(campaigns.data);
  // The campaign chosen lives in the address (reload and back keep it).
  const [shown, setShown] = useQueryState(search, { campaign: '' });
  const chosen = shown.campaign;
  const setChosen = (campaign) => setShown({ campaign });
  // The campaign that is running now, unless the admin picks another.
  const running = list.find((c) => c.phase === 'requests_open' || c.phase === 'decisions_open');
  const campaignId = chosen || running?.id || list[0]?.id || '';
  const dashboard = useLoad(
    () => (campaignId ? get('/admin/dashboard', { campaign_id: campaignId }) : Promise.resolve(null)),
    [campaignId],
  );
  const [error, setError] = useState(null);
  const [asking, setAsking] = useState(false);
  const d = dashboard.data;

  /** Without a reason the file has no national number, phone or e-mail; with one (asked in
   * the dialog, kept in the log) it has them. */
  function exportFile(reason) {
    return download(
      `/admin/exports/requests${query({ campaign_id: campaignId, format: 'xlsx', reason, lang: getLanguage() })}`,
      'aanvragen.xlsx',
    );
  }

  async function exportPlain() {
    setError(null);
    try {
      await exportFile();
    } catch (err) {
      setError(errorText(err.code, err.detail));
    }
  }

  return html`
    <${Page} title=${t('nav.dashboard')} wide actions=${
      campaignId &&
      html`
      <button type="button" onClick=${exportPlain}>${t('overview.export')}</button>
      <button type="button" onClick=${() => setAsking(true)}>${t('dashboard.export_revealed')}</button>`
    }>
      ${campaignId && html`<p class="hint page-intro">${t('dashboard.export_note')}</p>`}
      <${Alert}>${error}</${Alert}>
      ${
        asking &&
        html`<${ReasonDialog} required minLength=${5} maxLength=${500}
        title=${t('dashboard.export_title')} intro=${t('dashboard.export_intro')} label=${t('reveal.reason')}
        hint=${t('dashboard.export_hint')} tooShort=${t('reveal.reason_short')} submit=${t('dashboard.export_submit')}
        send=${async (reason) => {
          await exportFile(reason);
          setAsking(false);
        }} onClose=${() => setAsking(false)} />`
      }
      ${
        list.length > 0 &&
        html`<div class="filters"><${SelectField} id="campaign" label=${t('dashboard.campaign')} value=${campaignId} onChange=${setChosen}
        options=${list.map((c) => ({ value: c.id, label: `${c.school_year} · ${t(`track.${c.track}`)}` }))} /></div>`
      }
      ${
        campaigns.loading || dashboard.loading
          ? html`<${Loading} />`
          : !d
            ? html`<p class="card">${t('campaign.none')}</p>`
            : html`
        ${d.deadline_within_week && html`<div class="alert alert-info">${t('dashboard.deadline_soon')}</div>`}
        <div class="stats">
          <div class="stat"><strong>${d.total}</strong>${t('dashboard.total')}</div>
          ${STATUSES.map((s) => html`<div class="stat"><strong>${d.by_status?.[s] ?? 0}</strong>${t(`status_filter.${s}`)}</div>`)}
          <div class="stat"><strong>${Math.round((d.placement_rate ?? 0) * 100)}%</strong>${t('dashboard.placement_rate')}</div>
        </div>
        <h2>${t('dashboard.by_province')}</h2>
        ${Object.keys(d.by_province || {}).length > 0 && html`<${ProvinceChart} byProvince=${d.by_province} />`}
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('dashboard.by_province')}</caption>
            <thead><tr><th scope="col">${t('field.province')}</th>${STATUSES.map((s) => html`<th scope="col">${t(`status_filter.${s}`)}</th>`)}</tr></thead>
            <tbody>${Object.entries(d.by_province || {}).map(
              ([p, counts]) => html`
              <tr><td class="card-title">${t(`province.${p}`)}</td>${STATUSES.map((s) => html`<td data-label=${t(`status_filter.${s}`)}>${counts[s] ?? 0}</td>`)}</tr>`,
            )}</tbody>
          </table>
        </div>
        <h2 class="section">${t('dashboard.acceptances_over_time')}</h2>
        ${
          (d.acceptances_per_day || []).length > 0
            ? html`<${AcceptanceChart} perDay=${d.acceptances_per_day} />
          <p class="hint">${d.acceptances_per_day.map((x) => `${formatDate(x.date)}: ${x.count}`).join(' · ')}</p>`
            : html`<p class="card">${t('dashboard.no_acceptances')}</p>`
        }
        <h2 class="section">${t('dashboard.still_open', { count: (d.still_open || []).length })}</h2>
        ${
          (d.still_open || []).length === 0
            ? html`<p class="card">${t('dashboard.none_open')}</p>`
            : html`
          <div class="table-wrap" tabindex="0">
            <table class="cards">
              <caption class="visually-hidden">${t('dashboard.still_open', { count: d.still_open.length })}</caption>
              <thead><tr><th scope="col">${t('field.name')}</th><th scope="col">${t('service.school')}</th>
                <th scope="col" class="hide-narrow">${t('field.province')}</th><th scope="col">${t('field.status')}</th></tr></thead>
              <tbody>${d.still_open.map(
                (r) => html`
                <tr key=${r.id}><td class="card-title"><a href=${`/admin/requests/${r.id}`}>${r.last_name} ${r.first_name}</a></td>
                  <td data-label=${t('service.school')}>${r.school}</td>
                  <td class="hide-narrow" data-label=${t('field.province')}>${t(`province.${r.province}`)}</td>
                  <td data-label=${t('field.status')}>${t(`status_filter.${r.status}`)}</td></tr>`,
              )}</tbody>
            </table>
          </div>`
        }`
      }
    </${Page}>`;
}

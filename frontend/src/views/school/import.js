// Bulk import: the school fills the template (CSV or Excel), the server first checks every
// row (dry run) and reports each problem by row and field; only a file without problems is
// read in, all rows at once.
import { useState } from 'preact/hooks';
import { download, post } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { announce } from '../../components/announce.js';
import { errorText } from '../../components/field.js';
import { Result, useResult } from '../../components/focus.js';
import { Page } from '../../components/page.js';
import { TrackSwitch, useTrack } from '../../components/track.js';
import { html } from '../../html.js';
import { getLanguage, has, t } from '../../i18n/index.js';

function fieldName(field) {
  const key = `field.${field.split('.')[0]}`;
  return has(key) ? t(key) : field;
}

function Report({ report }) {
  const rows = new Map();
  for (const problem of report.errors) {
    if (!rows.has(problem.row)) rows.set(problem.row, []);
    rows.get(problem.row).push(problem);
  }
  return html`
    <section class="card" aria-labelledby="report-title">
      <h2 id="report-title">${t('import.report')}</h2>
      <p>${t('import.summary', { rows: report.rows, valid: report.valid, bad: rows.size })}</p>
      ${
        rows.size > 0 &&
        html`
        <div class="table-wrap" tabindex="0">
          <table class="cards">
            <caption class="visually-hidden">${t('import.problems')}</caption>
            <thead><tr><th scope="col">${t('import.row')}</th><th scope="col">${t('import.field')}</th><th scope="col">${t('import.problem')}</th></tr></thead>
            <tbody>
              ${[...rows].map(([row, problems]) =>
                problems.map(
                  (p, i) => html`
                <tr>
                  ${i === 0 && html`<th scope="row" class="card-title" rowspan=${problems.length}>${t('import.row_n', { row })}</th>`}
                  <td data-label=${t('import.field')}>${fieldName(p.field)}</td>
                  <td data-label=${t('import.problem')}>${errorText(p.code, p.message)}</td>
                </tr>`,
                ),
              )}
            </tbody>
          </table>
        </div>`
      }
    </section>`;
}

export function ImportRequests() {
  const [track, setTrack] = useTrack();
  const [file, setFile] = useState(null);
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);
  const result = useResult();

  async function send(dryRun) {
    if (busy) return;
    setError(null);
    setDone(null);
    if (!file) return setError(t('import.choose_file'));
    setBusy(true);
    const body = new FormData();
    body.append('file', file);
    try {
      const answer = await post(`/placement-requests/import?track=${track}&dry_run=${dryRun}`, body);
      if (dryRun) {
        setReport(answer);
        // The check's result is said (the report below is not a live region); the focus stays
        // on the check button, which stays.
        const bad = new Set(answer.errors.map((e) => e.row)).size;
        announce(
          bad === 0 && answer.valid > 0
            ? t('import.checked_ready', { rows: answer.rows })
            : t('import.checked', { rows: answer.rows, valid: answer.valid, bad }),
        );
      } else {
        setReport(null);
        setDone(t('import.done', { count: answer.created }));
        // The import button is gone with the report: focus goes to the message.
        result.focus();
      }
    } catch (err) {
      // import_invalid carries the same per-row report as a dry run.
      if (err.code === 'import_invalid' && Array.isArray(err.problem.errors)) setReport(err.problem);
      setError(errorText(err.code, err.detail));
      if (!dryRun) result.focus();
    } finally {
      setBusy(false);
    }
  }

  async function template(format) {
    setError(null);
    try {
      await download(
        `/placement-requests/import-template?format=${format}&lang=${getLanguage()}`,
        `aanvragen-sjabloon.${format}`,
      );
    } catch (err) {
      setError(errorText(err.code, err.detail));
    }
  }

  const ready = report && report.errors.length === 0 && report.valid > 0;
  return html`
    <${Page} title=${t('import.title')}>
      <${TrackSwitch} track=${track} onChange=${(v) => {
        setReport(null);
        setTrack(v);
      }} />
      <section class="card">
        <h2>${t('import.step_template')}</h2>
        <p>${t('import.template_intro')}</p>
        <ul>
          ${['transport', 'days', 'form', 'dates'].map((k) => html`<li>${t(`import.codes_${k}`)}</li>`)}
        </ul>
        <div class="actions">
          <button type="button" onClick=${() => template('xlsx')}>${t('import.template_xlsx')}</button>
          <button type="button" onClick=${() => template('csv')}>${t('import.template_csv')}</button>
        </div>
      </section>
      <section class="card">
        <h2>${t('import.step_check')}</h2>
        <${Result} result=${result}>
          <${Alert}>${error}</${Alert}>
          <${Alert} kind="success">${done}</${Alert}>
        </${Result}>
        <div class="field">
          <p class="label" id="import-file-label">${t('import.file')}</p>
          <!-- The browser's own file button speaks the browser's language; ours speaks Dutch. -->
          <input id="import-file" class="file-input" type="file" aria-labelledby="import-file-label"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            aria-describedby="import-file-name import-file-hint"
            onChange=${(e) => {
              setFile(e.currentTarget.files[0] ?? null);
              setReport(null);
              setDone(null);
            }} />
          <label for="import-file" class="button file-button">${t('import.choose')}</label>
          <span id="import-file-name" class="file-name">${file ? file.name : t('import.no_file')}</span>
          <p class="hint" id="import-file-hint">${t('import.file_hint', { track: t(`track.${track}`) })}</p>
        </div>
        <div class="actions">
          <button type="button" class=${ready ? '' : 'primary'} aria-disabled=${busy ? 'true' : undefined} onClick=${() => send(true)}>${t('import.check')}</button>
          ${ready && html`<button type="button" class="primary" aria-disabled=${busy ? 'true' : undefined} onClick=${() => send(false)}>${t('import.run', { count: report.valid })}</button>`}
          <a href="/school/requests">${t('request.back')}</a>
        </div>
      </section>
      ${report && html`<${Report} report=${report} />`}
    </${Page}>`;
}

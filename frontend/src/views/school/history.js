// The pupil's history on the school's page, with who was given which of the pupil's personal
// fields (events `disclosed`), and the download of the pupil's whole record.
import { useState } from 'preact/hooks';
import { api, get, saveBlob } from '../../api.js';
import { Alert } from '../../components/alert.js';
import { roundName } from '../../components/badge.js';
import { errorText } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { html } from '../../html.js';
import { getLanguage, has, t } from '../../i18n/index.js';
import { items } from '../../lib/campaign.js';
import { formatDateTime } from '../../lib/format.js';

const locale = () => (getLanguage() === 'en' ? 'en-GB' : 'nl-BE');

/** An event's words; a kind the catalog does not know yet reads as "changed", never as a code. */
function eventText(kind) {
  return has(`event.${kind}`) ? t(`event.${kind}`) : t('event.updated');
}

/** 'Rijksregisternummer en telefoon gezien door Thuiszorg Oostende, 3 december, in Stagematch'. */
export function disclosureText(event) {
  const d = event.details || {};
  const names = (d.fields || []).map((f) => t(`disclosed_field.${f}`));
  const listed = new Intl.ListFormat(locale(), { type: 'conjunction' }).format(names);
  const day = new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', timeZone: 'Europe/Brussels' }).format(
    new Date(event.at),
  );
  const sentence = t('history.disclosed', {
    fields: listed.charAt(0).toUpperCase() + listed.slice(1),
    organisation: d.organisation?.name ?? event.actor?.organisation_name ?? '',
    day,
    via: t(`disclosed_via.${d.via}`),
  });
  const count = d.count > 1 ? ` ${t('history.disclosed_count', { count: d.count })}` : '';
  return sentence + count;
}

function EventLine({ event: e }) {
  const reason = e.details?.reason ? ` · ${t('history.reason', { reason: e.details.reason })}` : '';
  if (e.kind === 'disclosed') {
    return html`<li class="disclosure"><time datetime=${e.at}>${formatDateTime(e.at)}</time> · ${disclosureText(e)}${reason}</li>`;
  }
  if (e.kind === 'round_opened' && e.details?.round) {
    const words = t('history.round_opened', {
      lower: roundName(e.details.round, { lower: true }),
      at: formatDateTime(e.details.decision_deadline),
    });
    return html`<li class="round-opened"><time datetime=${e.at}>${formatDateTime(e.at)}</time> · ${words}</li>`;
  }
  if (e.kind === 'interview_set' && e.details?.starts_at) {
    const words = t('history.interview_set', {
      organisation: e.actor?.organisation_name ?? '',
      when: formatDateTime(e.details.starts_at),
      place: e.details.place ?? '',
    });
    return html`<li class="interview"><time datetime=${e.at}>${formatDateTime(e.at)}</time> · ${words}</li>`;
  }
  const who = e.actor?.organisation_name ? ` · ${e.actor.organisation_name}` : '';
  return html`<li><time datetime=${e.at}>${formatDateTime(e.at)}</time> · ${eventText(e.kind)}${who}${reason}</li>`;
}

export function History({ id }) {
  const history = useLoad(() => get(`/placement-requests/${id}/history`, { page_size: 200 }), [id]);
  const events = items(history.data);
  if (!events.length) return null;
  return html`
    <section class="card history">
      <h2>${t('request.history')}</h2>
      <ul>${events.map((e) => html`<${EventLine} key=${e.id} event=${e} />`)}</ul>
    </section>`;
}

/** "Dossier downloaden": everything Stagematch holds about the pupil, as a printable page or JSON. */
export function RecordDownload({ id, name }) {
  const [error, setError] = useState(null);
  async function fetchRecord(format) {
    setError(null);
    try {
      const slug =
        name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '') || 'leerling';
      const body = await api(`/placement-requests/${id}/record?format=${format}`);
      // The JSON arrives parsed, the page as text: both are saved as the file they were.
      const blob =
        format === 'json'
          ? new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' })
          : new Blob([body], { type: 'text/html' });
      saveBlob(blob, `dossier-${slug}.${format}`);
    } catch (err) {
      setError(errorText(err.code, err.detail));
    }
  }
  return html`
    <section class="card record">
      <h2>${t('record.title')}</h2>
      <p>${t('record.explain')}</p>
      <${Alert}>${error}</${Alert}>
      <div class="actions">
        <button type="button" onClick=${() => fetchRecord('html')}>${t('record.download')}</button>
        <button type="button" onClick=${() => fetchRecord('json')}>${t('record.download_json')}</button>
      </div>
    </section>`;
}

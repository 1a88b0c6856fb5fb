// The placement agreement (PDF) of an accepted pupil: offered exactly when the server gives the
// request an `agreement_url` (the owning school and the accepting service, while accepted).
import { useState } from 'preact/hooks';
import { download, query } from '../api.js';
import { html } from '../html.js';
import { getLanguage, t } from '../i18n/index.js';
import { Alert } from './alert.js';
import { errorText } from './field.js';

const API = '/api/v1';

/** 'Ünal Çelik' -> 'unal-celik': the file's name, as the server names it. */
function slug(name) {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'leerling'
  );
}

export function AgreementDownload({ request, forService = false }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const url = request.agreement_url;
  if (!url) return null;
  async function fetchAgreement() {
    setError(null);
    setBusy(true);
    try {
      const path = url.startsWith(API) ? url.slice(API.length) : url;
      const name = `${t('agreement.file')}-${slug(`${request.first_name} ${request.last_name}`)}.pdf`;
      await download(`${path}${query({ lang: getLanguage() })}`, name);
    } catch (err) {
      setError(errorText(err.code, err.detail));
    } finally {
      setBusy(false);
    }
  }
  return html`
    <section class="card agreement">
      <h2>${t('agreement.title')}</h2>
      <p>${t('agreement.explain')}${forService && ` ${t('agreement.explain_service')}`}</p>
      <${Alert}>${error}</${Alert}>
      <div class="actions">
        <button type="button" class="primary" onClick=${fetchAgreement} disabled=${busy}>${t('agreement.download')}</button>
      </div>
    </section>`;
}

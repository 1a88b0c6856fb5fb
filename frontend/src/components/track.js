// The track switch (duaal / stage 7e jaar): remembered, shared by every school view.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { t } from '../i18n/index.js';

const KEY = 'stagematch.track';
export const TRACKS = ['duaal', 'stage'];
const listeners = new Set();

function stored() {
  try {
    return TRACKS.includes(localStorage.getItem(KEY)) ? localStorage.getItem(KEY) : 'duaal';
  } catch {
    return 'duaal';
  }
}

export function useTrack() {
  const [track, setTrack] = useState(stored);
  useEffect(() => {
    listeners.add(setTrack);
    return () => listeners.delete(setTrack);
  }, []);
  const choose = (next) => {
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // private mode
    }
    for (const listener of listeners) listener(next);
  };
  return [track, choose];
}

export function TrackSwitch({ track, onChange }) {
  return html`
    <div class="track-switch" role="group" aria-label=${t('track.switch')}>
      ${TRACKS.map(
        (value) => html`
        <button type="button" aria-pressed=${track === value ? 'true' : 'false'} onClick=${() => onChange(value)}>
          ${t(`track.${value}`)}
        </button>`,
      )}
    </div>`;
}

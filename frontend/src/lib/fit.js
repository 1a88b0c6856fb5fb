// A pupil's fit for the service in words: the server scores and gives the reasons (code,
// weight and what each is about); this only says them in the reader's language.
import { getLanguage, t } from '../i18n/index.js';
import { formatDate } from './format.js';

function list(words) {
  try {
    return new Intl.ListFormat(getLanguage(), { type: 'conjunction' }).format(words);
  } catch {
    return words.join(', ');
  }
}

const days = (codes) => list(codes.map((d) => t(`day.${d}`)));
const modes = (codes) => list(codes.map((m) => t(`transport.${m}`).toLowerCase()));
const km = (value) => Math.round(value);

/** One reason of a fit as a sentence part, e.g. "12 km away", "Monday and Tuesday fit". */
export function reasonWords(reason) {
  switch (reason.code) {
    case 'distance':
      return reason.fits === false
        ? t('fit.distance_beyond', { km: km(reason.km), max: km(reason.max_km) })
        : t('fit.distance', { km: km(reason.km) });
    case 'distance_unknown':
      return t('fit.distance_unknown');
    case 'days':
      if (!reason.other_days?.length) return t('fit.days_all', { days: days(reason.days) });
      if (!reason.days?.length) return t('fit.days_none', { other: days(reason.other_days) });
      return t('fit.days_some', { days: days(reason.days), other: days(reason.other_days) });
    case 'transport':
      if (!reason.fits) return t('fit.transport_not');
      return reason.km != null
        ? t('fit.transport_km', { modes: modes(reason.modes), km: km(reason.km) })
        : t('fit.transport', { modes: modes(reason.modes) });
    case 'hours':
      return t(reason.fits ? 'fit.hours' : 'fit.hours_not', { hours: reason.hours });
    case 'start':
      return t(reason.fits ? 'fit.start' : 'fit.start_not', { date: formatDate(reason.date) });
    case 'start_unknown':
      return t('fit.start_unknown');
    default:
      return reason.code;
  }
}

const sentence = (words) => words.charAt(0).toUpperCase() + words.slice(1);

/** The score and its reasons, strongest first (as the server orders them), each a sentence. */
export function fitWords(fit) {
  return {
    score: t('fit.score', { score: fit.score }),
    reasons: fit.reasons.map((reason) => sentence(reasonWords(reason))),
  };
}

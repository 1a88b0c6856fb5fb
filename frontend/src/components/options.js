// The fixed choices of a request, with their words in the current language.
import { t } from '../i18n/index.js';

export const PROVINCES = [
  'BE-BRU',
  'BE-VAN',
  'BE-VLI',
  'BE-VOV',
  'BE-VBR',
  'BE-VWV',
  'BE-WBR',
  'BE-WHT',
  'BE-WLG',
  'BE-WLX',
  'BE-WNA',
];
export const TRANSPORT = ['car', 'e_bike_moped', 'bike', 'public_transport'];
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const FORMS = ['block', 'alternating'];
export const STATUSES = ['open', 'invited', 'accepted', 'not_placed'];

export const options = (values, prefix) => values.map((value) => ({ value, label: t(`${prefix}.${value}`) }));

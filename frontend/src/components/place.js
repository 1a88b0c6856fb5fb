// Postcode and city together: the postcode's places are fetched as it is typed, the city is a
// choice among them, so an address never keeps a city of its previous postcode.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n/index.js';
import { cityAfterPostcode, placeOptions } from '../lib/places.js';
import { isPostcode } from '../lib/rules.js';
import { SelectField } from './field.js';

const NOTHING = { code: '', places: [], province: '', unknown: false };

/** The looked-up postcode: {code, places, province, unknown}; `code` says which postcode the
 * answer is for (the input may already hold another). */
export function usePostcode(code) {
  const [info, setInfo] = useState(NOTHING);
  useEffect(() => {
    if (!isPostcode(code)) return;
    let live = true;
    get(`/reference/postcodes/${code}`).then(
      (found) => live && setInfo({ code, places: found.places || [], province: found.province || '', unknown: false }),
      (error) => live && setInfo({ ...NOTHING, code, unknown: error.status === 404 || error.status === 422 }),
    );
    return () => {
      live = false;
    };
  }, [code]);
  return info;
}

/** When the answer for the form's postcode arrives: the province it decides (where the form
 * has one) and the city kept, filled in (one place) or emptied (several, or none). */
export function usePlaceFollowsPostcode(form, postcode, { province = false } = {}) {
  const v = form.values;
  useEffect(() => {
    if (!postcode.code || postcode.code !== v.postcode) return;
    form.setValues((old) => ({
      ...old,
      ...(province && postcode.province ? { province: postcode.province } : {}),
      city: cityAfterPostcode(postcode.places, old.city),
    }));
  }, [postcode]);
}

/** The city as a choice among the postcode's places; before the postcode is known it holds
 * the current city only (an edit's stored value) or asks for the postcode first. */
export function CityField({ id = 'city', postcode, postcodeValue, value, onChange, error, required }) {
  const known = postcode.code !== '' && postcode.code === postcodeValue && !postcode.unknown;
  const choices = known ? placeOptions(postcode.places, value) : value ? [{ value, label: value }] : [];
  const placeholder = known
    ? choices.length === 1 && value
      ? undefined
      : t('common.choose')
    : value
      ? undefined
      : t('place.postcode_first');
  return html`<${SelectField} id=${id} label=${t('field.city')} required=${required} value=${value} onChange=${onChange}
    options=${choices} placeholder=${placeholder} error=${error}
    hint=${known && choices.length > 1 ? t('place.several') : undefined} />`;
}

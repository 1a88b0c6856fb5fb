// A postcode's places (GET /reference/postcodes/{code} -> places: [{name, names, municipality}])
// and the rule the server keeps (backend/reference/postcodes.py): a city is one of them, case,
// accents, hyphens and apostrophes aside.

/** A place name reduced for comparison, as the server's fold_place_name. */
export function foldPlaceName(name) {
  return String(name ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[-'’]/g, ' ')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

/** The spelling of `city` among the places, or null when it is not one of them. */
export function placeNamed(places, city) {
  const wanted = foldPlaceName(city);
  if (!wanted) return null;
  for (const place of places) for (const name of place.names) if (foldPlaceName(name) === wanted) return name;
  return null;
}

/** The city to keep once the postcode's places are known: the one given when it is a place of
 * the postcode, the only place when there is one, otherwise none (the user chooses). Never a
 * city of the previous postcode. */
export function cityAfterPostcode(places, city) {
  return placeNamed(places, city) ?? (places.length === 1 ? places[0].name : '');
}

/** Select options: a part of a municipality says which ("Assebroek (Brugge)"); the value is
 * the current city's spelling where it names the place ("Bruxelles"), else the shown name. */
export function placeOptions(places, city) {
  return places.map((place) => {
    const spelled = placeNamed([place], city);
    const label = place.municipality === place.name ? place.name : `${place.name} (${place.municipality})`;
    return { value: spelled ?? place.name, label: spelled && spelled !== place.name ? spelled : label };
  });
}

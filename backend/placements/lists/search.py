"""How the browse list's free-text search `q` matches a request (issue 17), each kind of
word in the way an index can serve at any number of requests:

- a postcode (four digits) matches the request's postcode, and the whole name of a town
  (one of the places of `reference.postcodes`, "brugge", "sint-agatha-berchem") the
  request's town, by equality: an index on (column, created_at) yields that town's requests
  newest first, so a page of a town with 10,000 requests reads its first hundred and stops;
- any other word is split into its runs of letters and digits ("d'hondt": "d" and "hondt"),
  and each must begin a word of the first name, last name, town or postcode ("peet" finds
  "Smet-Peeters", "800" finds 8000). On PostgreSQL that is a full-text prefix query on a GIN
  index of the `simple` configuration (no stemming, no stop words): the index holds each
  word once, so a rare word reads its few requests, however common its letters are. SQLite
  looks for the part after a space in the same text, with the punctuation that separates
  words there made spaces.

Every term must match. docs/DECISIONS.md, "The search matches words, not any substring"."""

import re
from typing import Any, Literal

from sqlalchemy import ColumnElement, String, bindparam, func, literal_column

from backend.placements.models import PlacementRequest
from backend.reference.postcodes import places_by_word

TermKind = Literal["postcode", "town", "text"]
_POSTCODE = re.compile(r"[0-9]{4}")
_PART = re.compile(r"[^\W_]+")
# What separates words in a name or town besides spaces, as PostgreSQL's parser splits them
# ("Smet-Peeters", "D'Hondt", "Sint-Agatha-Berchem", "St.-Truiden"): SQLite's text only.
_SEPARATORS = "-'’."
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


def terms(q: str | None) -> list[tuple[TermKind, str]]:
    """`q`'s terms, lower case, each with how it is matched."""
    found: list[tuple[TermKind, str]] = []
    for word in q.lower().split() if q else ():
        if _POSTCODE.fullmatch(word):
            found.append(("postcode", word))
        elif word in places_by_word():
            found.append(("town", word))
        else:
            found += [("text", part) for part in _PART.findall(word)]
    return found


def matches(kind: TermKind, name: str, dialect: str) -> ColumnElement[bool]:
    """The condition of one term of `kind`, its value the bind parameter `name`."""
    match kind:
        case "postcode":
            return PlacementRequest.postcode == bindparam(name)
        case "town":
            return PlacementRequest.city.in_(bindparam(name, expanding=True))
        case _ if dialect == "postgresql":
            query = func.to_tsquery(_SIMPLE, bindparam(name, type_=String))
            return search_vector().op("@@")(query)
        case _:
            return _spaced_words().like(bindparam(name, type_=String))


def value(kind: TermKind, term: str, dialect: str) -> Any:
    """The bind parameter of `matches(kind, ...)` for `term`."""
    match kind:
        case "postcode":
            return term
        case "town":
            return list(places_by_word()[term])
        case _ if dialect == "postgresql":
            return f"{term}:*"  # letters and digits only: nothing tsquery would read as syntax
        case _:
            return f"% {term}%"  # letters and digits only: no LIKE wildcard


def _text() -> ColumnElement[str]:
    space = literal_column("' '", String)
    request = PlacementRequest
    return (
        request.first_name
        + space
        + request.last_name
        + space
        + request.city
        + space
        + request.postcode
    )


def search_vector() -> ColumnElement[Any]:
    """The words of the names, the town and the postcode, as PostgreSQL's GIN index
    `ix_placement_request_search` holds them (migration 0016: the planner uses the index only
    for this very expression; tests/test_query_plans.py checks that it does)."""
    return func.to_tsvector(_SIMPLE, _text())


def _spaced_words() -> ColumnElement[str]:
    """SQLite: the same text, lower case, a space before each word."""
    text: ColumnElement[str] = func.lower(_text(), type_=String)
    for separator in _SEPARATORS:
        text = func.replace(text, separator, " ", type_=String)
    return literal_column("' '", String) + text

"""Shapes shared by every domain: strict input models, the text types of their free-text
fields, and the paginated list."""

import re
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

T = TypeVar("T")


class StrictModel(BaseModel):
    """Input bodies: an unknown field is a 422, so no request sets what it must not."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Characters no text input takes: C0 and C1 controls and DEL (a NUL breaks PostgreSQL and
# spreadsheet files; the others hide in what people read), the line and paragraph separators,
# the bidirectional embeddings, overrides and isolates (they reorder what a reader sees, so a
# name can pose as another) and the Unicode noncharacters. (Pydantic refuses lone surrogates
# itself.) A multi-line text keeps its line breaks and tabs.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
_REFUSED = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069" + _NONCHARACTERS
_SINGLE_LINE_REFUSED = re.compile(f"[\x00-\x1f{_REFUSED}]")
_MULTI_LINE_REFUSED = re.compile(f"[\x00-\x08\x0b-\x1f{_REFUSED}]")  # keeps \t and \n
_LINE_BREAK = re.compile(r"\r\n?")


def _refuse(found: re.Match[str]) -> PydanticCustomError:
    return PydanticCustomError(
        "invalid_characters",
        "Contains a character that is not allowed here ({character} at position {position})",
        {"character": f"U+{ord(found.group()):04X}", "position": found.start() + 1},
    )


def _single_line(text: str) -> str:
    if found := _SINGLE_LINE_REFUSED.search(text):
        raise _refuse(found)
    return text


def _multi_line(text: str) -> str:
    # A line break is a line break, whichever system typed it.
    text = _LINE_BREAK.sub("\n", text)
    if found := _MULTI_LINE_REFUSED.search(text):
        raise _refuse(found)
    return text


# Every free-text field of an input body is one of these two (tests/security walks the models).
SingleLine = Annotated[str, AfterValidator(_single_line)]
MultiLine = Annotated[str, AfterValidator(_multi_line)]


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    # Documented as a closed shape (`additionalProperties: false`): a generated client's
    # page class takes no undocumented members.
    model_config = ConfigDict(extra="forbid")

    items: list[T]
    total: int
    # The request lists count their total up to a bound (1,000, or the page's end if further):
    # true when more match, and `total` is that bound ("more than 1,000").
    total_is_estimate: bool = Field(
        False, description="True: more than `total` items match (counted up to a bound)"
    )
    page: int
    page_size: int


class CursorPage(Page[T], Generic[T]):
    """A page of a list that can also be read in order of change (a sync)."""

    has_more: bool = Field(description="More rows follow this page")
    next_cursor: str | None = Field(
        description="In a sync (`updated_since`, `cursor` or `sort=updated`): pass it as "
        "`cursor` for the next page and, once `has_more` is false, keep it for the next sync; "
        "null outside a sync"
    )


def page_response(page: Page[Any]) -> Response:
    """A page whose items are plain JSON-ready dicts, encoded as they are (orjson). A list
    endpoint that returns this declares `response_model=Page[...]` for its documentation;
    FastAPI would otherwise validate every item again before encoding it, which costs several
    times the encoding on a page of 200 requests (docs/PERFORMANCE.md)."""
    body = {
        "items": page.items,
        "total": page.total,
        "total_is_estimate": page.total_is_estimate,
        "page": page.page,
        "page_size": page.page_size,
    }
    if isinstance(page, CursorPage):
        body["has_more"] = page.has_more
        body["next_cursor"] = page.next_cursor
    return Response(orjson.dumps(body), media_type="application/json")


class PageParams(BaseModel):
    # Bounded, so that a page far beyond the data is empty, never an offset that overflows
    # the database's integers.
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

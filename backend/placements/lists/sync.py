"""Incremental sync of a list (`updated_since`, `cursor`): the requests in order of their last
change, `(updated_at, id)`, after a position; and the position after a page, as an opaque
cursor. Shared by the school's overview, the admin's list and the services' lists
(docs/integrations.md, "Following the changes"; docs/DECISIONS.md, "Incremental sync").

Every change to a request moves its `updated_at` (the writes' conditional UPDATEs set it, the
mixin's `onupdate` does for the others), so a request changed after a position comes after it.
Two rows changed in the same instant are told apart by their id, so a page boundary between
them skips or repeats neither.

A change is stamped when its transaction starts writing and seen when it commits: a slow
transaction can commit a change stamped before rows a sync already read. So the cursor of a
sync's last page never stands later than SETTLE before now: the changes of that last moment
come again at the next sync (once more, with the same `version`), and none is lost."""

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, tuple_

from backend import clock
from backend.errors import FieldError
from backend.placements.models import PlacementRequest
from backend.placements.params import RequestListParams
from backend.placements.reading.view import Total
from backend.schemas import CursorPage

# Longer than any transaction of the API may take (statements are cut at
# DB_STATEMENT_TIMEOUT_SECONDS; a 5,000-row import takes a few seconds).
SETTLE = timedelta(seconds=60)
_NIL = uuid.UUID(int=0)  # before every id: (t, _NIL) is "every row changed at t"
_PREFIX = "v1|"


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A place in the order of change: the rows after it are (updated_at, id) > (at, id)."""

    at: datetime
    id: uuid.UUID


def is_sync(params: RequestListParams) -> bool:
    """The list is read in order of change (and answers `next_cursor`)."""
    return bool(params.cursor or params.updated_since or params.sort == "updated")


def encode(position: Position) -> str:
    raw = f"{_PREFIX}{position.at.astimezone(UTC).isoformat()}|{position.id.hex}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> Position:
    """The position of a cursor this API gave; 422 at `cursor` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(_PREFIX):
            raise ValueError(raw)
        at, id_ = raw.removeprefix(_PREFIX).split("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError(at)
        return Position(moment.astimezone(UTC), uuid.UUID(hex=id_))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise FieldError.at(
            "cursor", "invalid_cursor", "Not a cursor this API gave; start again with updated_since"
        ) from None


def start(params: RequestListParams) -> Position | None:
    """Where the list starts: after the cursor, or at `updated_since` (every row changed at
    that moment or later), or at the beginning. 422 for what a sync cannot combine."""
    if "page" in params.model_fields_set and params.page != 1:
        raise FieldError.at("page", "page_with_cursor", "A sync pages with `cursor`, not `page`")
    if params.sort not in (None, "updated"):
        raise FieldError.at("sort", "sort_with_cursor", "A sync is in order of change")
    if params.cursor:
        return decode(params.cursor)
    if params.updated_since:
        return Position(params.updated_since.astimezone(UTC), _NIL)
    return None


def after() -> ColumnElement[bool]:
    """The rows after the position of the bind parameters `after_at` and `after_id`."""
    at = bindparam("after_at", type_=PlacementRequest.__table__.c.updated_at.type)
    id_ = bindparam("after_id", type_=PlacementRequest.__table__.c.id.type)
    # One row comparison, not `updated_at > at OR (updated_at = at AND id > id)`: an index on
    # (updated_at, id) then starts at the position instead of filtering every row before it.
    return tuple_(PlacementRequest.updated_at, PlacementRequest.id) > tuple_(at, id_)


ORDER = (PlacementRequest.updated_at, PlacementRequest.id)


def values(position: Position | None) -> dict[str, Any]:
    return {} if position is None else {"after_at": position.at, "after_id": position.id}


def next_cursor(
    begin: Position | None, last: Position | None, has_more: bool, now: datetime | None = None
) -> str:
    """The cursor after a page: after its last row; on the last page no later than SETTLE
    before now (see the module's docstring)."""
    end = last or begin
    if not has_more:
        settled = Position((now or clock.now()) - SETTLE, _NIL)
        end = settled if end is None else min(end, settled)
    if end is None:  # (a page with more rows has a last row)
        raise AssertionError("a page with more rows has a last one")
    return encode(end)


def page_of(
    params: RequestListParams,
    items: list[dict[str, Any]],
    views: Sequence[Any],
    total: Total,
    begin: Position | None,
) -> CursorPage[dict[str, Any]]:
    """A list's page; in a sync with `has_more` and `next_cursor` after its last row (`total`
    counts the rows from the page's start on, up to its bound: reading/view.py)."""
    if not is_sync(params):
        return CursorPage(
            items=items,
            total=total.count,
            total_is_estimate=total.is_estimate,
            page=params.page,
            page_size=params.page_size,
            has_more=total.is_estimate or params.page * params.page_size < total.count,
            next_cursor=None,
        )
    has_more = total.is_estimate or total.count > len(items)
    last = Position(views[-1].updated_at, views[-1].id) if views else None
    return CursorPage(
        items=items,
        total=total.count,
        total_is_estimate=total.is_estimate,
        page=1,
        page_size=params.page_size,
        has_more=has_more,
        next_cursor=next_cursor(begin, last, has_more),
    )

"""One page of requests for the lists, read as plain rows instead of ORM objects: the same
attributes that `present` reads, without the cost of the identity map (a page of a
list is read, never changed).

One statement, whatever the number of rows: the page's requests are chosen on narrow rows
(the total as a window over them) in a subquery, then joined to their campaign, school and
supervisor, and each carries its invitations and acceptances (with their service's name) as
a JSON list from a correlated subquery (`json_agg` on PostgreSQL, `json_group_array` on
SQLite). It runs on the session's connection as a Core statement (no ORM loading), built once
for each shape of list and executed with the request's values as bind parameters."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, bindparam, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.campaigns.models import Campaign
from backend.organisations.models import Organisation
from backend.placements.models import (
    Acceptance,
    Invitation,
    InvitationOutcome,
    PlacementRequest,
)
from backend.supervisors.models import Supervisor

_REQUEST = PlacementRequest.__table__
# The request's own columns that `present` (and browse's distance) read.
_COLUMNS = [c for c in _REQUEST.c if c.name not in ("national_number_hash", "accepted_service_id")]
_KEYS = [c.name for c in _COLUMNS]
_CAMPAIGN = ("school_year", "track", "opens_at", "request_deadline", "decision_deadline")
_SUPERVISOR = ("first_name", "last_name", "phone", "email")
_INVITATION = ("service_id", "invited_at", "outcome", "ended_at")
_ACCEPTANCE = (
    *("service_id", "accepted_at", "notes", "contact_name", "contact_phone", "contact_email"),
    "released_at",
)


def _json_list(dialect: str, model: Any, fields: Sequence[str]) -> Any:
    """The rows of `model` (invitations or acceptances) of the outer query's request, with
    their service's name, as a JSON list of objects."""
    table = model.__table__
    pairs = [(f, table.c[f]) for f in fields] + [("service_name", Organisation.name)]
    keys_and_values = chain.from_iterable((literal_column(f"'{k}'"), v) for k, v in pairs)
    if dialect == "postgresql":
        rows = func.json_agg(func.json_build_object(*keys_and_values), type_=JSON)
    else:
        rows = func.json_group_array(func.json_object(*keys_and_values), type_=JSON)
    return (
        select(rows)
        .select_from(table)
        .join(Organisation, Organisation.id == table.c.service_id)
        .where(table.c.request_id == _REQUEST.c.id)
        .scalar_subquery()
    )


def _utc(text: str | None) -> datetime | None:
    """A timestamp from the JSON lists: PostgreSQL writes its offset, SQLite stores UTC
    without one."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _children(raw: list[dict] | None, times: Sequence[str], **types: Any) -> list[SimpleNamespace]:
    """Invitations or acceptances from their JSON list, as `present` reads them: the service
    as an object, `times` as UTC datetimes, `types` applied (the outcome's enum), oldest
    first."""
    if not raw:
        return []
    found = []
    for item in raw:
        service_id = uuid.UUID(item.pop("service_id"))
        item["service"] = SimpleNamespace(id=service_id, name=item.pop("service_name"))
        for key in times:
            item[key] = _utc(item[key])
        for key, kind in types.items():
            item[key] = kind(item[key])
        found.append(SimpleNamespace(service_id=service_id, **item))
    return sorted(found, key=attrgetter(times[0]))


@dataclass(frozen=True)
class PageQuery:
    """The statements of one shape of list (which filters, which order): built once and
    kept (`page_query`), executed with the request's values as bind parameters. Building a
    statement of this size costs more than executing it."""

    page: Any
    count: Any
    # PostgreSQL plans a prepared statement once for any values after a few runs. Where the
    # values decide the plan (a distance box: how many rows are near), that generic plan
    # costs more than planning anew; measured on the browse list (docs/PERFORMANCE.md).
    plan_each_time: bool = False


def page_query(
    conditions: Sequence[Any], order: Sequence[Any], dialect: str, *, plan_each_time=False
) -> PageQuery:
    """The requests matching `conditions` in `order` (a total order on the requests' own
    columns), one page of them (bind parameters `offset` and `limit`) with everything
    `present` reads, and the statement of their total for a page past the end."""
    chosen = (
        select(PlacementRequest.id, func.count().over().label("total"))
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(*conditions)
        .order_by(*order)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("chosen")
    )
    rows = (
        # In the order `page` reads them by position: the request's columns first.
        select(
            *_COLUMNS,
            *(getattr(Campaign, f) for f in _CAMPAIGN),
            Organisation.name,
            *(getattr(Supervisor, f) for f in _SUPERVISOR),
            _json_list(dialect, Invitation, _INVITATION),
            _json_list(dialect, Acceptance, _ACCEPTANCE),
            chosen.c.total,
        )
        .select_from(chosen)
        .join(_REQUEST, _REQUEST.c.id == chosen.c.id)
        .join(Campaign, Campaign.id == _REQUEST.c.campaign_id)
        .join(Organisation, Organisation.id == _REQUEST.c.school_id)
        .join(Supervisor, Supervisor.id == _REQUEST.c.supervisor_id)
        # The subquery's order does not carry over; the same keys on the same rows do.
        .order_by(*order)
    )
    count = (
        select(func.count())
        .select_from(PlacementRequest)
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(*conditions)
    )
    return PageQuery(rows, count, plan_each_time)


async def page(
    session: AsyncSession, query: PageQuery, values: dict[str, Any], params
) -> tuple[list[SimpleNamespace], int]:
    """One page (`params`) of `query` with the bind parameters `values`, and the total: each
    request with its campaign, school, supervisor, invitations and acceptances (each with its
    service's name)."""
    connection = await session.connection()
    if query.plan_each_time and connection.dialect.name == "postgresql":
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    result = await connection.execute(
        query.page, {**values, "offset": params.offset, "limit": params.page_size}
    )
    rows = result.all()
    if not rows:
        # A page past the end has no row to carry the total.
        total = 0
        if params.offset:
            total = (await connection.execute(query.count, values)).scalar()
        return [], total or 0

    # The row's parts by position (page_query's order); a view is built per row, so the
    # columns are not looked up by name.
    n = len(_KEYS)
    school_at, supervisor_at = n + len(_CAMPAIGN), n + len(_CAMPAIGN) + 1
    lists_at = supervisor_at + len(_SUPERVISOR)
    campaigns: dict[uuid.UUID, SimpleNamespace] = {}
    views = []
    for row in rows:
        view = SimpleNamespace()
        view.__dict__.update(zip(_KEYS, row, strict=False))
        campaign = campaigns.get(view.campaign_id)
        if campaign is None:
            campaign = SimpleNamespace(
                id=view.campaign_id, **dict(zip(_CAMPAIGN, row[n:], strict=False))
            )
            campaigns[view.campaign_id] = campaign
        view.campaign = campaign
        view.school = SimpleNamespace(id=view.school_id, name=row[school_at])
        view.supervisor = SimpleNamespace(
            id=view.supervisor_id, **dict(zip(_SUPERVISOR, row[supervisor_at:], strict=False))
        )
        view.invitations = _children(
            row[lists_at], ("invited_at", "ended_at"), outcome=InvitationOutcome
        )
        view.acceptances = _children(row[lists_at + 1], ("accepted_at", "released_at"))
        views.append(view)
    return views, rows[0][-1]

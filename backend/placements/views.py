"""One page of requests for the lists, read as plain rows instead of ORM objects: the same
attributes that `visibility.present` reads, without the cost of the identity map (a page of a
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


def _invitations(raw: list[dict] | None) -> list[SimpleNamespace]:
    found = []
    for item in raw or ():
        service_id = uuid.UUID(item["service_id"])
        found.append(
            SimpleNamespace(
                service_id=service_id,
                service=SimpleNamespace(id=service_id, name=item["service_name"]),
                invited_at=_utc(item["invited_at"]),
                outcome=InvitationOutcome(item["outcome"]),
                ended_at=_utc(item["ended_at"]),
            )
        )
    return sorted(found, key=lambda i: i.invited_at)


def _acceptances(raw: list[dict] | None) -> list[SimpleNamespace]:
    found = []
    for item in raw or ():
        service_id = uuid.UUID(item["service_id"])
        found.append(
            SimpleNamespace(
                service_id=service_id,
                service=SimpleNamespace(id=service_id, name=item["service_name"]),
                accepted_at=_utc(item["accepted_at"]),
                released_at=_utc(item["released_at"]),
                notes=item["notes"],
                contact_name=item["contact_name"],
                contact_phone=item["contact_phone"],
                contact_email=item["contact_email"],
            )
        )
    return sorted(found, key=lambda a: a.accepted_at)


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
        select(
            chosen.c.total,
            _REQUEST,
            *(getattr(Campaign, f).label(f"campaign_{f}") for f in _CAMPAIGN),
            Organisation.name.label("school_name"),
            *(getattr(Supervisor, f).label(f"supervisor_{f}") for f in _SUPERVISOR),
            _json_list(dialect, Invitation, _INVITATION).label("invitations"),
            _json_list(dialect, Acceptance, _ACCEPTANCE).label("acceptances"),
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
    keys = list(result.keys())
    rows = [dict(zip(keys, row, strict=True)) for row in result]
    if not rows:
        # A page past the end has no row to carry the total.
        total = 0
        if params.offset:
            total = (await connection.execute(query.count, values)).scalar()
        return [], total or 0

    total = rows[0]["total"]
    campaigns: dict[uuid.UUID, SimpleNamespace] = {}
    views = []
    for values in rows:
        del values["total"]
        invitations = _invitations(values.pop("invitations"))
        acceptances = _acceptances(values.pop("acceptances"))
        campaign_id = values["campaign_id"]
        campaign_values = {f: values.pop(f"campaign_{f}") for f in _CAMPAIGN}
        if campaign_id not in campaigns:
            campaigns[campaign_id] = SimpleNamespace(id=campaign_id, **campaign_values)
        supervisor = SimpleNamespace(
            id=values["supervisor_id"], **{f: values.pop(f"supervisor_{f}") for f in _SUPERVISOR}
        )
        school = SimpleNamespace(id=values["school_id"], name=values.pop("school_name"))
        views.append(
            SimpleNamespace(
                **values,
                campaign=campaigns[campaign_id],
                school=school,
                supervisor=supervisor,
                invitations=invitations,
                acceptances=acceptances,
            )
        )
    return views, total

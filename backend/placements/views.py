"""One page of requests for the lists, read as plain rows instead of ORM objects: the same
attributes that `visibility.present` reads, without the cost of the identity map (a page of a
list is read, never changed). Three statements, whatever the number of rows:

1. the page itself: its requests chosen on narrow rows (the total as a window over them) in a
   subquery, joined to their campaign, school and supervisor;
2. the page's invitations, 3. its acceptances, each with its service's name.

They run on the session's connection as Core statements (no ORM loading), and the page's ids
go to PostgreSQL as one array parameter, so that the statement's text is the same for every
page (SQLite gets an `IN` list)."""

import uuid
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Uuid, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.campaigns.models import Campaign
from backend.organisations.models import Organisation
from backend.placements.models import Acceptance, Invitation, PlacementRequest
from backend.supervisors.models import Supervisor

_REQUEST = PlacementRequest.__table__
_CAMPAIGN = ("school_year", "track", "opens_at", "request_deadline", "decision_deadline")
_SUPERVISOR = ("first_name", "last_name", "phone", "email")


def _rows(result) -> list[dict[str, Any]]:
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _of_ids(column: Any, ids: Sequence[uuid.UUID], dialect: str) -> Any:
    if dialect == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(Uuid())))
    return column.in_(ids)


async def _of_requests(
    connection: AsyncConnection, model: Any, order: Any, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SimpleNamespace]]:
    """The invitations or acceptances of the requests `ids`, each with its service's name,
    by request."""
    result = await connection.execute(
        select(model.__table__, Organisation.name.label("service_name"))
        .join(Organisation, Organisation.id == model.service_id)
        .where(_of_ids(model.request_id, ids, connection.dialect.name))
        .order_by(order)
    )
    found: dict[uuid.UUID, list[SimpleNamespace]] = {}
    for values in _rows(result):
        service = SimpleNamespace(id=values["service_id"], name=values.pop("service_name"))
        found.setdefault(values["request_id"], []).append(
            SimpleNamespace(**values, service=service)
        )
    return found


async def page(
    session: AsyncSession, conditions: Sequence[Any], order: Sequence[Any], params
) -> tuple[list[SimpleNamespace], int]:
    """One page of the requests matching `conditions` in `order`, and their total: each
    request with its campaign, school, supervisor, invitations and acceptances (each with its
    service's name). `order` must be a total order on the requests' own columns."""
    chosen = (
        select(PlacementRequest.id, func.count().over().label("total"))
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(*conditions)
        .order_by(*order)
        .offset(params.offset)
        .limit(params.page_size)
        .subquery("chosen")
    )
    connection = await session.connection()
    rows = _rows(
        await connection.execute(
            select(
                chosen.c.total,
                _REQUEST,
                *(getattr(Campaign, f).label(f"campaign_{f}") for f in _CAMPAIGN),
                Organisation.name.label("school_name"),
                *(getattr(Supervisor, f).label(f"supervisor_{f}") for f in _SUPERVISOR),
            )
            .select_from(chosen)
            .join(_REQUEST, _REQUEST.c.id == chosen.c.id)
            .join(Campaign, Campaign.id == _REQUEST.c.campaign_id)
            .join(Organisation, Organisation.id == _REQUEST.c.school_id)
            .join(Supervisor, Supervisor.id == _REQUEST.c.supervisor_id)
            # The subquery's order does not carry over; the same keys on the same rows do.
            .order_by(*order)
        )
    )
    if rows:
        total = rows[0]["total"]
    elif params.offset == 0:
        total = 0
    else:
        # A page past the end has no row to carry the total.
        total = await session.scalar(
            select(func.count())
            .select_from(PlacementRequest)
            .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
            .where(*conditions)
        )
        return [], total or 0
    ids = [values["id"] for values in rows]
    invitations = await _of_requests(connection, Invitation, Invitation.invited_at, ids)
    acceptances = await _of_requests(connection, Acceptance, Acceptance.accepted_at, ids)

    campaigns: dict[uuid.UUID, SimpleNamespace] = {}
    views = []
    for values in rows:
        del values["total"]
        campaign_id = values["campaign_id"]
        campaign_values = {f: values.pop(f"campaign_{f}") for f in _CAMPAIGN}
        if campaign_id not in campaigns:
            campaigns[campaign_id] = SimpleNamespace(id=campaign_id, **campaign_values)
        supervisor = SimpleNamespace(
            id=values["supervisor_id"], **{f: values.pop(f"supervisor_{f}") for f in _SUPERVISOR}
        )
        school = SimpleNamespace(id=values["school_id"], name=values.pop("school_name"))
        request_id = values["id"]
        views.append(
            SimpleNamespace(
                **values,
                campaign=campaigns[campaign_id],
                school=school,
                supervisor=supervisor,
                invitations=invitations.get(request_id, []),
                acceptances=acceptances.get(request_id, []),
            )
        )
    return views, total

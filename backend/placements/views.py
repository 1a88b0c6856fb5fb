"""Requests for the lists, read as plain rows instead of ORM objects: the same attributes that
`visibility.present` reads, in three statements whatever the number of requests, without the
cost of the identity map and its bookkeeping (a page of lists is read, never changed)."""

import uuid
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.campaigns.models import Campaign
from backend.organisations.models import Organisation
from backend.placements.models import Acceptance, Invitation, PlacementRequest
from backend.supervisors.models import Supervisor

_REQUEST = PlacementRequest.__table__
_CAMPAIGN = ("school_year", "track", "opens_at", "request_deadline", "decision_deadline")
_SUPERVISOR = ("first_name", "last_name", "phone", "email")


async def page_ids(
    session: AsyncSession, conditions: Sequence[Any], order: Sequence[Any], params
) -> tuple[list[uuid.UUID], int]:
    """The ids of one page of the requests matching `conditions` in `order`, and their total.
    The page is chosen on narrow rows with the total as a window over the matching rows: one
    statement (a second one only for a page past the end, which has no row to carry it)."""
    base = select(PlacementRequest.id).join(Campaign, Campaign.id == PlacementRequest.campaign_id)
    rows = (
        await session.execute(
            base.add_columns(func.count().over())
            .where(*conditions)
            .order_by(*order)
            .offset(params.offset)
            .limit(params.page_size)
        )
    ).all()
    if rows:
        total = rows[0][1]
    elif params.offset == 0:
        total = 0
    else:
        total = await session.scalar(
            select(func.count()).select_from(base.where(*conditions).subquery())
        )
    return [row[0] for row in rows], total or 0


async def _of_requests(
    session: AsyncSession, model: Any, order: Any, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SimpleNamespace]]:
    """The invitations or acceptances of the requests `ids`, each with its service's name,
    by request."""
    rows = await session.execute(
        select(model.__table__, Organisation.name.label("service_name"))
        .join(Organisation, Organisation.id == model.service_id)
        .where(model.request_id.in_(ids))
        .order_by(order)
    )
    found: dict[uuid.UUID, list[SimpleNamespace]] = {}
    for row in rows:
        values = dict(row._mapping)
        service = SimpleNamespace(id=values["service_id"], name=values.pop("service_name"))
        found.setdefault(values["request_id"], []).append(
            SimpleNamespace(**values, service=service)
        )
    return found


async def load(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[SimpleNamespace]:
    """The requests of `ids`, in that order, each with its campaign, school, supervisor,
    invitations and acceptances (each with its service's name)."""
    if not ids:
        return []
    rows = await session.execute(
        select(
            _REQUEST,
            *(getattr(Campaign, f).label(f"campaign_{f}") for f in _CAMPAIGN),
            Organisation.name.label("school_name"),
            *(getattr(Supervisor, f).label(f"supervisor_{f}") for f in _SUPERVISOR),
        )
        .join(Campaign, Campaign.id == _REQUEST.c.campaign_id)
        .join(Organisation, Organisation.id == _REQUEST.c.school_id)
        .join(Supervisor, Supervisor.id == _REQUEST.c.supervisor_id)
        .where(_REQUEST.c.id.in_(ids))
    )
    invitations = await _of_requests(session, Invitation, Invitation.invited_at, ids)
    acceptances = await _of_requests(session, Acceptance, Acceptance.accepted_at, ids)

    campaigns: dict[uuid.UUID, SimpleNamespace] = {}
    views: dict[uuid.UUID, SimpleNamespace] = {}
    for row in rows:
        values = dict(row._mapping)
        campaign_id = values["campaign_id"]
        campaign_values = {f: values.pop(f"campaign_{f}") for f in _CAMPAIGN}
        if campaign_id not in campaigns:
            campaigns[campaign_id] = SimpleNamespace(id=campaign_id, **campaign_values)
        supervisor = SimpleNamespace(
            id=values["supervisor_id"], **{f: values.pop(f"supervisor_{f}") for f in _SUPERVISOR}
        )
        school = SimpleNamespace(id=values["school_id"], name=values.pop("school_name"))
        request_id = values["id"]
        views[request_id] = SimpleNamespace(
            **values,
            campaign=campaigns[campaign_id],
            school=school,
            supervisor=supervisor,
            invitations=invitations.get(request_id, []),
            acceptances=acceptances.get(request_id, []),
        )
    return [views[i] for i in ids if i in views]

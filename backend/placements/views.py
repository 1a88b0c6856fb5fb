"""Requests for the lists, read as plain rows instead of ORM objects: the same attributes that
`visibility.present` reads, in three statements whatever the number of requests, without the
cost of the identity map and its bookkeeping (a page of lists is read, never changed)."""

import uuid
from collections.abc import Sequence
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.campaigns.models import Campaign
from backend.organisations.models import Organisation
from backend.placements.models import Acceptance, Invitation, PlacementRequest
from backend.supervisors.models import Supervisor

_REQUEST = PlacementRequest.__table__
_CAMPAIGN = ("school_year", "track", "opens_at", "request_deadline", "decision_deadline")
_SUPERVISOR = ("first_name", "last_name", "phone", "email")


def _by_request(rows) -> dict[uuid.UUID, list[SimpleNamespace]]:
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
    invitations = _by_request(
        await session.execute(
            select(Invitation.__table__, Organisation.name.label("service_name"))
            .join(Organisation, Organisation.id == Invitation.service_id)
            .where(Invitation.request_id.in_(ids))
            .order_by(Invitation.invited_at)
        )
    )
    acceptances = _by_request(
        await session.execute(
            select(Acceptance.__table__, Organisation.name.label("service_name"))
            .join(Organisation, Organisation.id == Acceptance.service_id)
            .where(Acceptance.request_id.in_(ids))
            .order_by(Acceptance.accepted_at)
        )
    )

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

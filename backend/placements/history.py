"""A request's history: one line per event (created, invited, accepted...), written by every
change and read by its school and the admin."""

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.deps import Actor
from backend.errors import Forbidden
from backend.organisations.models import Organisation, OrganisationKind
from backend.placements.models import EventKind, PlacementRequest, RequestEvent
from backend.placements.reading.access import get_visible_request
from backend.schemas import Page, PageParams


def add_event(
    session: AsyncSession, request: PlacementRequest, actor: Actor, kind: EventKind, **details: Any
) -> None:
    """One line of the request's history (no personal data in `details`)."""
    session.add(
        RequestEvent(
            request_id=request.id,
            at=clock.now(),
            kind=kind,
            actor_user_id=actor.user.id,
            actor_organisation_id=actor.organisation_id,
            details={k: v for k, v in details.items() if v is not None},
        )
    )


async def history(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, params: PageParams
) -> Page[dict[str, Any]]:
    """The request's events, oldest first: for its school and the admin."""
    if actor.role == OrganisationKind.service:
        raise Forbidden("The history is for the school and the admin")
    request = await get_visible_request(session, actor, request_id)
    conditions = [RequestEvent.request_id == request.id]
    total = await session.scalar(select(func.count(RequestEvent.id)).where(*conditions))
    rows = await session.execute(
        select(RequestEvent, Organisation.name, Organisation.kind)
        .outerjoin(Organisation, Organisation.id == RequestEvent.actor_organisation_id)
        .where(*conditions)
        .order_by(RequestEvent.at, RequestEvent.id)
        .offset(params.offset)
        .limit(params.page_size)
    )
    items = [
        {
            "id": str(event.id),
            "at": event.at.isoformat(),
            "kind": event.kind,
            "actor": {
                "organisation_id": str(event.actor_organisation_id),
                "organisation_name": name,
                "role": kind.value,
            }
            if event.actor_organisation_id
            else None,
            "details": event.details or {},
        }
        for event, name, kind in rows
    ]
    return Page(items=items, total=total or 0, page=params.page, page_size=params.page_size)

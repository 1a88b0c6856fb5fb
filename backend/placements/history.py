"""A request's history: one line per event (created, invited, accepted..., and `disclosed`:
who was given the pupil's personal fields), written by every change and read by its school
and the admin. A service never sees a disclosure, not even its own (`visible_events`)."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.deps import Actor
from backend.errors import Forbidden
from backend.organisations.models import Organisation, OrganisationKind
from backend.placements.models import EventKind, PlacementRequest, RequestEvent
from backend.placements.reading.access import get_visible_request
from backend.placements.reading.disclosure import DISCLOSED
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


def visible_events(actor: Actor, request_id: uuid.UUID) -> list[ColumnElement[bool]]:
    """THE rule of which events of a request a viewer reads: its school and the admin all of
    them; a service none of the disclosures (whoever they name)."""
    conditions: list[ColumnElement[bool]] = [RequestEvent.request_id == request_id]
    if actor.role != OrganisationKind.school and not actor.is_admin:
        conditions.append(RequestEvent.kind != DISCLOSED)
    return conditions


def present_event(
    event: RequestEvent, organisation_name: str | None, role: OrganisationKind | None
) -> dict[str, Any]:
    """One event as the history shows it; a disclosure with its count and last time."""
    details = dict(event.details or {})
    if event.kind == DISCLOSED:
        details["count"] = event.times
        details["last_at"] = (event.last_at or event.at).isoformat()
    return {
        "id": str(event.id),
        "at": event.at.isoformat(),
        "kind": event.kind,
        "actor": {
            "organisation_id": str(event.actor_organisation_id),
            "organisation_name": organisation_name,
            "role": role.value if role else None,
        }
        if event.actor_organisation_id
        else None,
        "details": details,
    }


def _events_query(conditions: list[ColumnElement[bool]]) -> Any:
    return (
        select(RequestEvent, Organisation.name, Organisation.kind)
        .outerjoin(Organisation, Organisation.id == RequestEvent.actor_organisation_id)
        .where(*conditions)
        .order_by(RequestEvent.at, RequestEvent.id)
    )


async def all_events(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Every event of a request `actor` may know (the caller checked), oldest first, as
    `visible_events` allows: for the school's record of a pupil."""
    rows = await session.execute(_events_query(visible_events(actor, request_id)))
    return [present_event(event, name, kind) for event, name, kind in rows]


async def history(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, params: PageParams
) -> Page[dict[str, Any]]:
    """The request's events, oldest first: for its school and the admin."""
    if actor.role == OrganisationKind.service:
        raise Forbidden("The history is for the school and the admin")
    request = await get_visible_request(session, actor, request_id)
    conditions = visible_events(actor, request.id)
    total = await session.scalar(select(func.count(RequestEvent.id)).where(*conditions))
    rows = await session.execute(
        _events_query(conditions).offset(params.offset).limit(params.page_size)
    )
    items = [present_event(event, name, kind) for event, name, kind in rows]
    return Page(items=items, total=total or 0, page=params.page, page_size=params.page_size)

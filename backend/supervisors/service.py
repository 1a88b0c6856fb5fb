"""A school's supervisors (werkplekbegeleiders); managed in every phase."""

import uuid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.deps import Actor
from backend.errors import FieldError, NotFound, error
from backend.placements.models import PlacementRequest
from backend.reference.contact import normalize_contact
from backend.schemas import Page, PageParams
from backend.supervisors.models import Supervisor
from backend.supervisors.schemas import SupervisorCreate, SupervisorRead, SupervisorUpdate

SupervisorInUse = error(409, "supervisor_in_use", "Requests still refer to this supervisor")

_REQUIRED = ("first_name", "last_name", "phone", "email")


def _normalized(values: dict[str, Any]) -> dict[str, Any]:
    """Phone to E.164 and e-mail normalized; every bad field reported at once."""
    errors = []
    out = dict(values)
    for field in _REQUIRED:
        if field in out and out[field] is None:
            errors.append({"field": field, "code": "required", "message": "Required"})
    errors += normalize_contact(out)
    if errors:
        raise FieldError(errors)
    return out


async def _request_counts(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(PlacementRequest.supervisor_id, func.count(PlacementRequest.id))
        .where(PlacementRequest.supervisor_id.in_(ids))
        .group_by(PlacementRequest.supervisor_id)
    )
    return {supervisor_id: count for supervisor_id, count in rows}


def _read(supervisor: Supervisor, count: int) -> SupervisorRead:
    read = SupervisorRead.model_validate(supervisor)
    read.request_count = count
    return read


async def list_(
    session: AsyncSession, actor: Actor, params: PageParams, q: str | None = None
) -> Page[SupervisorRead]:
    """The school's own supervisors, by name."""
    conditions = [Supervisor.school_id == actor.organisation_id]
    if q:
        pattern = f"%{q.lower()}%"
        conditions.append(
            or_(
                func.lower(Supervisor.first_name).like(pattern),
                func.lower(Supervisor.last_name).like(pattern),
                func.lower(Supervisor.email).like(pattern),
            )
        )
    total = await session.scalar(select(func.count(Supervisor.id)).where(*conditions))
    found = list(
        await session.scalars(
            select(Supervisor)
            .where(*conditions)
            .order_by(Supervisor.last_name, Supervisor.first_name, Supervisor.id)
            .offset(params.offset)
            .limit(params.page_size)
        )
    )
    counts = await _request_counts(session, [s.id for s in found])
    return Page(
        items=[_read(s, counts.get(s.id, 0)) for s in found],
        total=total or 0,
        page=params.page,
        page_size=params.page_size,
    )


async def get_own(session: AsyncSession, actor: Actor, supervisor_id: uuid.UUID) -> Supervisor:
    """The school's own supervisor; another school's answers 404 like a missing one."""
    found = await session.scalar(
        select(Supervisor).where(
            Supervisor.id == supervisor_id, Supervisor.school_id == actor.organisation_id
        )
    )
    if found is None:
        raise NotFound("No such supervisor")
    return found


async def get(session: AsyncSession, actor: Actor, supervisor_id: uuid.UUID) -> SupervisorRead:
    found = await get_own(session, actor, supervisor_id)
    counts = await _request_counts(session, [found.id])
    return _read(found, counts.get(found.id, 0))


async def create(session: AsyncSession, actor: Actor, body: SupervisorCreate) -> SupervisorRead:
    """Adds a supervisor to the actor's school."""
    values = _normalized(body.model_dump())
    found = Supervisor(school_id=actor.organisation_id, **values)
    session.add(found)
    await session.flush()
    return _read(found, 0)


async def update(
    session: AsyncSession, actor: Actor, supervisor_id: uuid.UUID, body: SupervisorUpdate
) -> SupervisorRead:
    """Edits the school's own supervisor."""
    found = await get_own(session, actor, supervisor_id)
    values = _normalized(body.model_dump(exclude_unset=True))
    for field, value in values.items():
        setattr(found, field, value)
    found.updated_at = clock.now()
    await session.flush()
    counts = await _request_counts(session, [found.id])
    return _read(found, counts.get(found.id, 0))


async def delete(session: AsyncSession, actor: Actor, supervisor_id: uuid.UUID) -> None:
    """Deletes the school's own supervisor unless any request, even a withdrawn one (which
    the services still see), refers to it."""
    found = await get_own(session, actor, supervisor_id)
    in_use = await session.scalar(
        select(func.count(PlacementRequest.id)).where(PlacementRequest.supervisor_id == found.id)
    )
    if in_use:
        raise SupervisorInUse(f"{in_use} request(s) refer to this supervisor", request_count=in_use)
    await session.delete(found)
    await session.flush()

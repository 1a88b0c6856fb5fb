"""A care service's preferences (what fits it), stated on its profile; read by the fit score
(placements/fit.py) for its browse list and the admin's proposal."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.actor import Actor
from backend.errors import FieldError, NotFound
from backend.organisations.models import Organisation, OrganisationKind, ServicePreferences
from backend.organisations.schemas import PreferencesIn, PreferencesRead

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TRANSPORT = ("car", "e_bike_moped", "bike", "public_transport")


async def _service(session: AsyncSession, actor: Actor, organisation_id: uuid.UUID) -> None:
    """404 unless the organisation is a care service and the actor is its own or the admin
    (no other organisation learns whether it exists)."""
    if not actor.is_admin and actor.organisation_id != organisation_id:
        raise NotFound("No such care service")
    kind = await session.scalar(select(Organisation.kind).where(Organisation.id == organisation_id))
    if kind != OrganisationKind.service:
        raise NotFound("No such care service")


def _read(found: ServicePreferences | None) -> PreferencesRead:
    if found is None:
        return PreferencesRead(
            days=[],
            hours_per_week_min=None,
            hours_per_week_max=None,
            start_from=None,
            start_until=None,
            max_distance_km=None,
            transport_modes=[],
            updated_at=None,
        )
    return PreferencesRead.model_validate(
        {
            "days": found.days,
            "hours_per_week_min": found.hours_min,
            "hours_per_week_max": found.hours_max,
            "start_from": found.start_from,
            "start_until": found.start_until,
            "max_distance_km": found.max_distance_km,
            "transport_modes": found.transport_modes,
            "updated_at": found.updated_at,
        }
    )


async def get(session: AsyncSession, actor: Actor, organisation_id: uuid.UUID) -> PreferencesRead:
    """The service's preferences (all empty before it stated any)."""
    await _service(session, actor, organisation_id)
    return _read(await session.get(ServicePreferences, organisation_id))


async def put(
    session: AsyncSession, actor: Actor, organisation_id: uuid.UUID, body: PreferencesIn
) -> PreferencesRead:
    """Replaces the service's preferences; a range must not end before it starts."""
    await _service(session, actor, organisation_id)
    low, high = body.hours_per_week_min, body.hours_per_week_max
    if low is not None and high is not None and low > high:
        raise FieldError.at("hours_per_week_max", "hours_range", "The maximum is below the minimum")
    if body.start_from and body.start_until and body.start_from > body.start_until:
        raise FieldError.at("start_until", "period_range", "The period ends before it starts")
    found = await session.get(ServicePreferences, organisation_id)
    if found is None:
        found = ServicePreferences(organisation_id=organisation_id)
        session.add(found)
    found.days = [d for d in _DAYS if d in body.days]
    found.hours_min, found.hours_max = low, high
    found.start_from, found.start_until = body.start_from, body.start_until
    found.max_distance_km = body.max_distance_km
    found.transport_modes = [m for m in _TRANSPORT if m in body.transport_modes]
    found.updated_at = clock.now()
    await session.flush()
    return _read(found)


async def of_services(
    session: AsyncSession, service_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, ServicePreferences]:
    """The preferences stated by the services (all, or those of `service_ids`), by id; one
    statement."""
    query = select(ServicePreferences)
    if service_ids is not None:
        query = query.where(ServicePreferences.organisation_id.in_(service_ids))
    return {p.organisation_id: p for p in (await session.scalars(query)).all()}

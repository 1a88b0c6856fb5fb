"""A service's capacity per campaign: how many pupils it can still accept."""

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import rowcount
from backend.errors import error
from backend.organisations.models import ServiceCapacity
from backend.placements.models import PlacementRequest, RequestState

CapacityFull = error(409, "capacity_full", "The service has no places left in this campaign")
CapacityBelowUsed = error(
    409, "capacity_below_used", "The service already accepted more pupils than that"
)


async def take_place(session: AsyncSession, service_id: uuid.UUID, campaign_id: uuid.UUID) -> None:
    """Takes one place, or raises capacity_full; a service without a set capacity has no
    limit. One conditional UPDATE, so simultaneous acceptances cannot overbook."""
    result = await session.execute(
        update(ServiceCapacity)
        .where(
            ServiceCapacity.service_id == service_id,
            ServiceCapacity.campaign_id == campaign_id,
            ServiceCapacity.used < ServiceCapacity.capacity,
        )
        .values(used=ServiceCapacity.used + 1)
    )
    if rowcount(result) == 1:
        return
    limited = await session.scalar(
        select(ServiceCapacity.capacity).where(
            ServiceCapacity.service_id == service_id, ServiceCapacity.campaign_id == campaign_id
        )
    )
    if limited is not None:
        raise CapacityFull(f"All {limited} places of this campaign are taken")


async def free_place(session: AsyncSession, service_id: uuid.UUID, campaign_id: uuid.UUID) -> None:
    """Gives a place back (a released acceptance)."""
    await session.execute(
        update(ServiceCapacity)
        .where(
            ServiceCapacity.service_id == service_id,
            ServiceCapacity.campaign_id == campaign_id,
            ServiceCapacity.used > 0,
        )
        .values(used=ServiceCapacity.used - 1)
    )


async def set_capacity(
    session: AsyncSession, service_id: uuid.UUID, campaign_id: uuid.UUID, capacity: int
) -> ServiceCapacity:
    """Sets a service's capacity for a campaign; never below what it already accepted."""
    found = await session.get(ServiceCapacity, (service_id, campaign_id))
    if found is None:
        # A capacity set mid-campaign starts from the pupils already accepted.
        used = await session.scalar(
            select(func.count()).where(
                PlacementRequest.accepted_service_id == service_id,
                PlacementRequest.campaign_id == campaign_id,
                PlacementRequest.state == RequestState.accepted,
            )
        )
        found = ServiceCapacity(
            service_id=service_id, campaign_id=campaign_id, capacity=capacity, used=used
        )
        session.add(found)
    if capacity < found.used:
        raise CapacityBelowUsed(f"{found.used} pupils are already accepted")
    found.capacity = capacity
    await session.flush()
    return found


async def capacities(session: AsyncSession, service_id: uuid.UUID) -> list[ServiceCapacity]:
    return list(
        (
            await session.scalars(
                select(ServiceCapacity).where(ServiceCapacity.service_id == service_id)
            )
        ).all()
    )


async def full_campaigns(
    session: AsyncSession, service_id: uuid.UUID, campaign_ids: set[uuid.UUID]
) -> frozenset[uuid.UUID]:
    """Those of `campaign_ids` in which the service has a capacity and no place left: there
    it cannot accept (one statement for a whole list; none when there is nothing to ask)."""
    if not campaign_ids:
        return frozenset()
    found = await session.scalars(
        select(ServiceCapacity.campaign_id).where(
            ServiceCapacity.service_id == service_id,
            ServiceCapacity.campaign_id.in_(campaign_ids),
            ServiceCapacity.used >= ServiceCapacity.capacity,
        )
    )
    return frozenset(found.all())

"""The start pages' numbers: a viewer's requests of one track counted per status, with the
one status expression under the viewer's one readable condition (so a count is exactly the
length of the list its link opens), a service's own lists, its places left and the deadline."""

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.actor import Actor
from backend.campaigns import service as campaigns
from backend.campaigns.models import Campaign, Track
from backend.campaigns.phase import Phase, phase_of
from backend.errors import NotFound
from backend.organisations.models import OrganisationKind, ServiceCapacity
from backend.placements.models import PlacementRequest, RequestStatus
from backend.placements.reading.access import own_list, readable_by, status_column, viewer_values

SHOWN_STATUSES = ("open", "invited", "accepted", "not_placed")
# A start page warns about pupils without an invitation this long before the decision deadline.
DEADLINE_NEAR = timedelta(days=7)
SERVICE_LISTS = ("invited", "accepted")


async def _by_status(session: AsyncSession, actor: Actor, track: str) -> dict[str, int]:
    status = status_column()
    rows = await session.execute(
        select(status, func.count())
        .select_from(PlacementRequest)
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(readable_by(actor.role), Campaign.track == Track(track))
        .where(status != RequestStatus.withdrawn)
        .group_by(status),
        viewer_values(actor),
    )
    counts: Counter[str] = Counter({s: 0 for s in SHOWN_STATUSES})
    for found, count in rows:
        counts[RequestStatus(found).value] += count
    return dict(counts)


async def _own_lists(session: AsyncSession, actor: Actor, track: str) -> dict[str, int]:
    """A service's lists `mine=invited` (waiting for its answer) and `mine=accepted`."""
    counts = {}
    for mine in SERVICE_LISTS:
        counts[mine] = (
            await session.scalar(
                select(func.count())
                .select_from(PlacementRequest)
                .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
                .where(own_list(mine), Campaign.track == Track(track)),
                viewer_values(actor),
            )
            or 0
        )
    return counts


async def _places_left(session: AsyncSession, actor: Actor, campaign: Campaign) -> int | None:
    """The service's places left in the campaign; None without a limit."""
    found = await session.get(ServiceCapacity, (actor.organisation_id, campaign.id))
    return None if found is None else max(found.capacity - found.used, 0)


def _deadline_near(campaign: Campaign, now: datetime) -> bool:
    if phase_of(campaign, now) not in (Phase.requests_open, Phase.decisions_open):
        return False
    return campaign.decision_deadline - now <= DEADLINE_NEAR


async def summary(session: AsyncSession, actor: Actor, track: str) -> dict[str, Any]:
    """The caller's counts for `track` (the overview's and lists' filters give the same
    numbers), the current campaign's decision deadline and whether it is near."""
    try:
        campaign: Campaign | None = await campaigns.current(session, track)
    except NotFound:
        campaign = None
    is_service = actor.role == OrganisationKind.service
    return {
        "track": track,
        "by_status": await _by_status(session, actor, track),
        "mine": await _own_lists(session, actor, track) if is_service else None,
        "places_left": (
            await _places_left(session, actor, campaign) if is_service and campaign else None
        ),
        "campaign_id": campaign.id if campaign else None,
        "decision_deadline": campaign.decision_deadline if campaign else None,
        "deadline_near": bool(campaign and _deadline_near(campaign, clock.now())),
    }

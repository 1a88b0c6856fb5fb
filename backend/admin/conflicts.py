"""A pupil entered by two schools in one campaign (SPEC section 11). Neither school is told
(that would tell one school about another's pupils, section 4); the admin sees the pairs here
and withdraws the request that should not be there."""

import uuid

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from backend import clock
from backend.admin.schemas import Conflict, ConflictSide, SchoolRef
from backend.admin.service import campaign_or_404
from backend.campaigns.models import Campaign
from backend.campaigns.phase import Phase, phase_of
from backend.placements.models import PlacementRequest, RequestState, RequestStatus
from backend.placements.reading.access import status_column
from backend.placements.transitions import Action, actions_for
from backend.schemas import Page, PageParams


def _side(request: PlacementRequest, status: RequestStatus, phase: Phase) -> ConflictSide:
    return ConflictSide(
        id=request.id,
        school=SchoolRef(id=request.school_id, name=request.school.name),
        first_name=request.first_name,
        last_name=request.last_name,
        status=status,
        created_at=request.created_at,
        actions=["withdraw"]
        if Action.withdraw_request in actions_for("admin", frozenset(), phase, request.state)
        else [],
    )


async def conflicts(
    session: AsyncSession, campaign_id: uuid.UUID, params: PageParams
) -> Page[Conflict]:
    """Every pair of live requests of different schools with the same national number in the
    campaign, the pair entered first first. Withdrawn and erased requests carry a hash of
    their own (placements/service.withdrawn_hash, admin/retention.py), so they pair with none."""
    campaign = await campaign_or_404(session, campaign_id)
    phase = phase_of(campaign)
    a, b = aliased(PlacementRequest), aliased(PlacementRequest)
    same_pupil = and_(
        b.campaign_id == a.campaign_id,
        b.national_number_hash == a.national_number_hash,
        # Different schools, each pair once (three schools of one pupil are three pairs).
        a.school_id < b.school_id,
    )
    live = (
        a.campaign_id == campaign_id,
        a.state != RequestState.withdrawn,
        b.state != RequestState.withdrawn,
    )
    total = await session.scalar(
        select(func.count()).select_from(a).join(b, same_pupil).where(*live)
    )
    earliest = case((a.created_at <= b.created_at, a.created_at), else_=b.created_at)
    rows = (
        await session.execute(
            select(a, b, status_column(a), status_column(b))
            .join(b, same_pupil)
            .join(Campaign, Campaign.id == a.campaign_id)
            .where(*live)
            .options(joinedload(a.school, innerjoin=True), joinedload(b.school, innerjoin=True))
            .order_by(earliest, a.id, b.id)
            .offset(params.offset)
            .limit(params.page_size),
            {"now": clock.now()},
        )
    ).all()
    items = []
    for request_a, request_b, status_a, status_b in rows:
        sides = [(request_a, status_a), (request_b, status_b)]
        first, second = sorted(sides, key=lambda side: (side[0].created_at, str(side[0].id)))
        items.append(Conflict(first=_side(*first, phase), second=_side(*second, phase)))
    return Page(items=items, total=total or 0, page=params.page, page_size=params.page_size)

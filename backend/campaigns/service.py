"""Campaigns: one school year of one track with its three moments, set by the admin."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.audit import service as audit
from backend.auth.deps import Actor
from backend.campaigns.models import Campaign, CampaignRound, Track
from backend.campaigns.phase import Phase, next_deadline, phase_of
from backend.campaigns.schemas import (
    CampaignActions,
    CampaignCreate,
    CampaignRead,
    CampaignUpdate,
    RoundRead,
)
from backend.clock import BRUSSELS
from backend.errors import FieldError, NotFound, error
from backend.placements.transitions import campaign_actions
from backend.schemas import Page, PageParams

DuplicateCampaign = error(409, "duplicate_campaign", "This school year already has that track")

# What a plain date means for each moment, in Brussels wall time.
_TIME_OF_DATE = {
    "opens_at": time(0, 0, 0),
    "request_deadline": time(23, 59, 59),
    "decision_deadline": time(12, 0, 0),
}
# A campaign's moments lie between these years: a year beyond (9999, a typo's 2207) is a
# mistake, it would hold the pupils' data until long after (their erasure counts from the
# decision deadline), and near the calendar's ends a conversion to UTC overflows.
FIRST_YEAR = 2000
YEARS_AHEAD = 10
MOMENTS = tuple(_TIME_OF_DATE)


def to_utc(field: str, value: date | datetime) -> datetime:
    """A given moment as aware UTC: dates and naive date-times are Brussels wall time. Every
    moment given to a campaign (created, moved, a next round) passes here: 422
    `moment_out_of_range` outside FIRST_YEAR to YEARS_AHEAD years from now."""
    if not FIRST_YEAR <= value.year <= clock.now().year + YEARS_AHEAD:
        raise FieldError.at(
            field,
            "moment_out_of_range",
            f"A campaign's moments lie between {FIRST_YEAR} and {YEARS_AHEAD} years from now",
        )
    if not isinstance(value, datetime):
        value = datetime.combine(value, _TIME_OF_DATE[field])
    if value.tzinfo is None:
        # fold=0: an ambiguous wall time of the autumn DST change means the first (summer) one.
        value = value.replace(tzinfo=BRUSSELS)
    return value.astimezone(UTC)


def read(campaign: Campaign, rounds: Sequence[CampaignRound]) -> CampaignRead:
    """The campaign's answer; `rounds`: its rounds (`rounds_of`)."""
    phase = phase_of(campaign)
    return CampaignRead(
        id=campaign.id,
        school_year=campaign.school_year,
        track=campaign.track.value,
        opens_at=campaign.opens_at,
        request_deadline=campaign.request_deadline,
        decision_deadline=campaign.decision_deadline,
        round=campaign.round,
        rounds=[RoundRead.model_validate(r) for r in rounds],
        phase=phase.value,
        next_deadline=next_deadline(campaign),
        actions=CampaignActions.model_validate(
            campaign_actions(phase, purged=campaign.purged_at is not None)
        ),
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


async def rounds_of(
    session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CampaignRound]]:
    """The rounds of the campaigns, in order, in one statement."""
    found: dict[uuid.UUID, list[CampaignRound]] = {i: [] for i in campaign_ids}
    for row in await session.scalars(
        select(CampaignRound)
        .where(CampaignRound.campaign_id.in_(campaign_ids))
        .order_by(CampaignRound.campaign_id, CampaignRound.number)
    ):
        found[row.campaign_id].append(row)
    return found


async def answer(session: AsyncSession, campaign: Campaign) -> CampaignRead:
    """One campaign's answer, its rounds read."""
    return read(campaign, (await rounds_of(session, [campaign.id]))[campaign.id])


def _check_school_year(school_year: str) -> list[dict[str, str]]:
    first, second = (int(part) for part in school_year.split("-"))
    if second != first + 1:
        return [
            {
                "field": "school_year",
                "code": "invalid_school_year",
                "message": "Two consecutive years, e.g. 2026-2027",
            }
        ]
    return []


def _check_order(moments: dict[str, datetime]) -> list[dict[str, str]]:
    errors = []
    if not moments["opens_at"] < moments["request_deadline"]:
        errors.append(
            {
                "field": "request_deadline",
                "code": "not_after_opens_at",
                "message": "The request deadline must come after the opening",
            }
        )
    if not moments["request_deadline"] < moments["decision_deadline"]:
        errors.append(
            {
                "field": "decision_deadline",
                "code": "not_after_request_deadline",
                "message": "The decision deadline must come after the request deadline",
            }
        )
    return errors


async def list_(
    session: AsyncSession,
    params: PageParams,
    track: str | None = None,
    school_year: str | None = None,
) -> Page[CampaignRead]:
    """Every campaign (all roles see them: the deadlines are public), newest first."""
    conditions = []
    if track:
        conditions.append(Campaign.track == Track(track))
    if school_year:
        conditions.append(Campaign.school_year == school_year)
    total = await session.scalar(select(func.count(Campaign.id)).where(*conditions))
    found = await session.scalars(
        select(Campaign)
        .where(*conditions)
        .order_by(Campaign.opens_at.desc(), Campaign.track)
        .offset(params.offset)
        .limit(params.page_size)
    )
    campaigns = list(found)
    rounds = await rounds_of(session, [c.id for c in campaigns])
    return Page(
        items=[read(c, rounds[c.id]) for c in campaigns],
        total=total or 0,
        page=params.page,
        page_size=params.page_size,
    )


async def get(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign")
    return campaign


async def current(session: AsyncSession, track: str) -> Campaign:
    """The campaign of a track that matters now: the working one, else the next to open,
    else the last closed (for the client's deadline banner)."""
    campaigns = list(
        await session.scalars(
            select(Campaign).where(Campaign.track == Track(track)).order_by(Campaign.opens_at)
        )
    )
    now = clock.now()
    by_phase: dict[Phase, list[Campaign]] = {}
    for campaign in campaigns:
        by_phase.setdefault(phase_of(campaign, now), []).append(campaign)
    for phase, pick in (
        (Phase.requests_open, -1),
        (Phase.decisions_open, -1),
        (Phase.before_open, 0),
        (Phase.closed, -1),
    ):
        if by_phase.get(phase):
            return by_phase[phase][pick]
    raise NotFound(f"No campaign for track {track}")


async def create(session: AsyncSession, actor: Actor, body: CampaignCreate) -> Campaign:
    """Creates a campaign; its moments must follow each other, one per (school year, track)."""
    moments = {field: to_utc(field, getattr(body, field)) for field in MOMENTS}
    errors = _check_school_year(body.school_year) + _check_order(moments)
    if errors:
        raise FieldError(errors)
    return await _insert(session, actor, body.school_year, Track(body.track), moments)


def _a_year_later(moment: datetime) -> datetime:
    """The same Brussels wall time a year later (30 November 12:00 stays 12:00); 29 February
    becomes 28 February."""
    local = moment.astimezone(BRUSSELS).replace(tzinfo=None)
    try:
        later = local.replace(year=local.year + 1)
    except ValueError:
        later = local.replace(year=local.year + 1, day=28)
    return later.replace(tzinfo=BRUSSELS).astimezone(UTC)


async def copy_to_next_year(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID
) -> Campaign:
    """Last year's campaign again: the next school year, the same track, every moment a year
    later in Brussels wall time."""
    source = await get(session, campaign_id)
    first = int(source.school_year.split("-")[0]) + 1
    moments = {field: _a_year_later(getattr(source, field)) for field in MOMENTS}
    return await _insert(session, actor, f"{first}-{first + 1}", source.track, moments, source.id)


async def _insert(
    session: AsyncSession,
    actor: Actor,
    school_year: str,
    track: Track,
    moments: dict[str, datetime],
    copied_from: uuid.UUID | None = None,
) -> Campaign:
    exists = await session.scalar(
        select(Campaign.id).where(Campaign.school_year == school_year, Campaign.track == track)
    )
    if exists is not None:
        raise DuplicateCampaign(f"{school_year} already has a {track.value} campaign")
    campaign = Campaign(school_year=school_year, track=track, round=1, **moments)
    session.add(campaign)
    await session.flush()
    session.add(
        CampaignRound(
            campaign_id=campaign.id,
            number=1,
            decision_deadline=campaign.decision_deadline,
            opened_at=clock.now(),
            opened_by_user_id=actor.user.id,
        )
    )
    await session.flush()
    details: dict[str, Any] = {k: v.isoformat() for k, v in moments.items()}
    if copied_from is not None:
        details["copied_from"] = str(copied_from)
    audit.record(
        session,
        "campaign_created",
        actor=actor,
        object_type="campaign",
        object_id=campaign.id,
        **details,
    )
    return campaign


async def update(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, body: CampaignUpdate
) -> Campaign:
    """Moves a campaign's moments (the phase follows at once); the order must hold."""
    campaign = await get(session, campaign_id)
    given = body.model_dump(exclude_unset=True)
    moments = {field: getattr(campaign, field) for field in MOMENTS}
    for field, value in given.items():
        if value is None:
            raise FieldError.at(field, "required", "A campaign's moment cannot be removed")
        moments[field] = to_utc(field, value)
    errors = _check_order(moments)
    if errors:
        raise FieldError(errors)
    changed = {}
    for field, value in moments.items():
        if getattr(campaign, field) != value:
            changed[field] = {"from": getattr(campaign, field).isoformat(), "to": value.isoformat()}
            setattr(campaign, field, value)
    if changed:
        campaign.updated_at = clock.now()
        await session.flush()
        if "decision_deadline" in changed:
            # The current round's deadline moved: its row of the history follows.
            await session.execute(
                sql_update(CampaignRound)
                .where(
                    CampaignRound.campaign_id == campaign.id,
                    CampaignRound.number == campaign.round,
                )
                .values(decision_deadline=campaign.decision_deadline)
            )
        audit.record(
            session,
            "campaign_updated",
            actor=actor,
            object_type="campaign",
            object_id=campaign.id,
            changes=changed,
        )
    return campaign

"""Deadline reminders: three days before each deadline, once per organisation, the schools
with requests still open and the services with undecided invitations get a mail."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.models import User
from backend.campaigns.models import Campaign, ReminderSent
from backend.mail import service as mail
from backend.placements.models import Invitation, InvitationOutcome, PlacementRequest, RequestState

LEAD_TIME = timedelta(days=3)
DEADLINES = ("request_deadline", "decision_deadline")


async def _recipients(
    session: AsyncSession, campaign: Campaign
) -> dict[uuid.UUID, tuple[str, int]]:
    """Organisation id -> (what to say, count): schools with open requests, services with
    pending invitations on requests that are not decided yet."""
    schools = (
        await session.execute(
            select(PlacementRequest.school_id, PlacementRequest.id).where(
                PlacementRequest.campaign_id == campaign.id,
                PlacementRequest.state == RequestState.open,
            )
        )
    ).all()
    services = (
        await session.execute(
            select(Invitation.service_id, Invitation.id)
            .join(PlacementRequest)
            .where(
                PlacementRequest.campaign_id == campaign.id,
                PlacementRequest.state == RequestState.invited,
                Invitation.outcome == InvitationOutcome.pending,
            )
        )
    ).all()
    found: dict[uuid.UUID, tuple[str, int]] = {}
    for organisation_id, _ in schools:
        kind, count = found.get(organisation_id, ("school", 0))
        found[organisation_id] = (kind, count + 1)
    for organisation_id, _ in services:
        kind, count = found.get(organisation_id, ("service", 0))
        found[organisation_id] = (kind, count + 1)
    return found


async def send_due(session: AsyncSession, now: datetime | None = None) -> int:
    """Queues the reminders that are due; returns how many mails were queued."""
    now = now or clock.now()
    queued = 0
    campaigns = (
        await session.scalars(
            select(Campaign).where(Campaign.opens_at <= now, Campaign.decision_deadline > now)
        )
    ).all()
    for campaign in campaigns:
        for deadline_name in DEADLINES:
            deadline = getattr(campaign, deadline_name)
            if not deadline - LEAD_TIME <= now < deadline:
                continue
            key = reminder_key(deadline_name, campaign.round)
            for organisation_id, (kind, count) in (await _recipients(session, campaign)).items():
                queued += await _remind(
                    session,
                    campaign,
                    key,
                    deadline_name,
                    deadline,
                    organisation_id,
                    kind,
                    count,
                    now,
                )
    return queued


def reminder_key(deadline_name: str, round_number: int) -> str:
    """What a reminder is kept once under: the deadline's name, and for the decision
    deadline of a later round its number (`decision_deadline_2`): the campaign's
    `decision_deadline` is the current round's, and each round's is reminded once."""
    if deadline_name == "decision_deadline" and round_number > 1:
        return f"{deadline_name}_{round_number}"
    return deadline_name


async def _remind(
    session: AsyncSession,
    campaign: Campaign,
    key: str,
    deadline_name: str,
    deadline: datetime,
    organisation_id: uuid.UUID,
    kind: str,
    count: int,
    now: datetime,
) -> int:
    if await session.get(ReminderSent, (campaign.id, key, organisation_id)):
        return 0
    users = (
        await session.scalars(
            select(User).where(
                User.organisation_id == organisation_id,
                User.activated_at.is_not(None),
                User.disabled_at.is_(None),
            )
        )
    ).all()
    try:
        # A savepoint: of two workers racing for one reminder, the second insert fails alone.
        async with session.begin_nested():
            session.add(
                ReminderSent(
                    campaign_id=campaign.id,
                    deadline=key,
                    organisation_id=organisation_id,
                    sent_at=now,
                )
            )
    except IntegrityError:
        return 0
    for user in users:
        mail.enqueue(
            session,
            user.email,
            f"reminder_{kind}",
            user.language,
            deadline_name=deadline_name,
            count=count,
            track=str(campaign.track),
            school_year=campaign.school_year,
            deadline=deadline.astimezone(clock.BRUSSELS).strftime("%d/%m/%Y %H:%M"),
            link=mail.link("/"),
        )
    return len(users)

"""Data retention: the personal data of campaigns closed long ago is erased, the anonymous
rows stay so that the statistics of those years do not change."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.campaigns.models import Campaign
from backend.db import rowcount
from backend.mail.models import OutboxMail
from backend.placements.models import Acceptance, PlacementRequest, RequestEvent

ERASED = ""


def parse_age(text: str) -> timedelta:
    """'18mo', '2y', '90d' -> a duration (a month counted as 30.44 days)."""
    match = re.fullmatch(r"\s*(\d+)\s*(d|mo|y)\s*", text)
    if not match:
        raise ValueError("use a number with d, mo or y, e.g. 18mo")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(days=amount * {"d": 1, "mo": 30.44, "y": 365.25}[unit])


@dataclass(frozen=True)
class PurgeReport:
    campaigns: list[str]
    requests: int
    mails: int


async def purge(
    session: AsyncSession, older_than: timedelta, now: datetime | None = None
) -> PurgeReport:
    """Erases the pupils' personal data of every campaign whose decision deadline is more
    than `older_than` ago: names, national numbers, addresses, phones, e-mails, remarks,
    the acceptances' notes and contacts, the history's free text, the mails sent and the
    process's cache of decrypted numbers."""
    cutoff = (now or clock.now()) - older_than
    campaigns = (
        await session.scalars(select(Campaign).where(Campaign.decision_deadline < cutoff))
    ).all()
    ids = [c.id for c in campaigns]
    if not ids:
        return PurgeReport([], 0, 0)
    erased = await _erase_requests(session, ids)
    # Nor may this process keep the numbers it decrypted (a server's cache forgets them within
    # crypto.DECRYPT_CACHE_SECONDS).
    crypto.forget_decrypted()
    # Mails carry pupils' names; those written before the cutoff were delivered long ago.
    mails = await session.execute(
        delete(OutboxMail)
        .where(OutboxMail.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return PurgeReport([f"{c.school_year} {c.track}" for c in campaigns], erased, rowcount(mails))


async def _erase_requests(session: AsyncSession, campaign_ids: list[uuid.UUID]) -> int:
    """Blanks the pupils of these campaigns, their acceptances' notes and contacts and their
    history's details; returns how many requests."""
    erased = await session.execute(
        update(PlacementRequest)
        .where(PlacementRequest.campaign_id.in_(campaign_ids))
        .values(
            first_name=ERASED,
            last_name=ERASED,
            street=ERASED,
            phone=ERASED,
            email=ERASED,
            remarks=None,
            national_number_encrypted=ERASED,
            # The hash must stay unique and pair with no other row: derive it from the row id.
            national_number_hash=PlacementRequest.id.cast(
                PlacementRequest.national_number_hash.type
            ),
            start_date=None,
            end_date=None,
        )
        .execution_options(synchronize_session=False)
    )
    request_ids = select(PlacementRequest.id).where(PlacementRequest.campaign_id.in_(campaign_ids))
    await session.execute(
        update(Acceptance)
        .where(Acceptance.request_id.in_(request_ids))
        .values(
            notes=ERASED,
            contact_name=ERASED,
            contact_phone=ERASED,
            contact_email=ERASED,
            release_reason=None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(RequestEvent)
        .where(RequestEvent.request_id.in_(request_ids))
        .values(details={})
        .execution_options(synchronize_session=False)
    )
    return rowcount(erased)

"""Data retention: the personal data of a campaign are erased RETENTION_MONTHS after its
decision deadline (or at the date the admin postponed it to, once, with a reason), by the
worker, in committed batches, so that a crash resumes where it stopped. The admins are mailed
30 days before. The anonymous rows stay, so the statistics of those years do not change.

The purge is idempotent: run again (`stagematch purge`, e.g. after restoring a backup taken
before it) it erases what is still there and leaves what is erased."""

import calendar
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.admin.schemas import RetentionRead
from backend.audit import service as audit
from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.auth.models import User
from backend.campaigns.models import Campaign
from backend.config import Settings
from backend.db import rowcount
from backend.errors import NotFound, error
from backend.mail import service as mail
from backend.mail.models import OutboxMail
from backend.organisations.models import Organisation, OrganisationKind
from backend.placements import notifications
from backend.placements.models import Acceptance, PlacementRequest, RequestEvent
from backend.schemas import Page, PageParams

ERASED = ""
NOTICE_AHEAD = timedelta(days=30)
NOTICE_TEMPLATE = "retention_notice"
# Detail keys that name no person (field names, an organisation, a channel, counts, ids,
# dates): the purge keeps them, and blanks every other value (reasons, notes, names...).
NEUTRAL_DETAILS = frozenset(
    {
        *("fields", "organisation", "via", "by_admin", "rows", "revealed", "request_ids"),
        *("opens_at", "request_deadline", "decision_deadline", "copied_from", "until"),
        *("previous", "requests", "length"),
    }
)
# The mails that name a pupil, written before the outbox said which request they were about.
REQUEST_TEMPLATES = frozenset(
    {
        notifications.PUPIL_INVITED,
        notifications.INVITATION_WITHDRAWN,
        notifications.PUPIL_DECLINED,
        notifications.PUPIL_ACCEPTED,
        notifications.ACCEPTANCE_RELEASED,
        notifications.PLACED_ELSEWHERE,
        "request_withdrawn",
        "request_withdrawn_by_admin",
    }
)

AlreadyPostponed = error(
    409, "retention_already_postponed", "The erasure of this campaign was postponed once already"
)
AlreadyPurged = error(409, "retention_done", "This campaign's personal data are erased already")
PostponeTooEarly = error(
    422, "retention_postpone_too_early", "The new date must be later than the current one"
)


def parse_age(text: str) -> timedelta:
    """'18mo', '2y', '90d' -> a duration (a month counted as 30.44 days)."""
    match = re.fullmatch(r"\s*(\d+)\s*(d|mo|y)\s*", text)
    if not match:
        raise ValueError("use a number with d, mo or y, e.g. 18mo")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(days=amount * {"d": 1, "mo": 30.44, "y": 365.25}[unit])


def add_months(at: datetime, months: int) -> datetime:
    """The same wall-clock moment in Brussels `months` later (the 31st becomes the month's
    last day)."""
    local = at.astimezone(clock.BRUSSELS)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


def purge_date(campaign: Campaign, settings: Settings) -> datetime:
    """When the campaign's personal data are erased: the postponed date, else RETENTION_MONTHS
    after the decision deadline; never sooner than 30 days after the admins' notice."""
    due = campaign.retention_postponed_until or add_months(
        campaign.decision_deadline, settings.retention_months
    )
    if campaign.retention_notice_sent_at is not None:
        due = max(due, campaign.retention_notice_sent_at + NOTICE_AHEAD)
    return due


def state(campaign: Campaign, settings: Settings) -> RetentionRead:
    due = purge_date(campaign, settings)
    return RetentionRead(
        campaign_id=campaign.id,
        school_year=campaign.school_year,
        track=campaign.track.value,
        purge_at=due,
        notice_at=due - NOTICE_AHEAD,
        notice_sent_at=campaign.retention_notice_sent_at,
        postponed_until=campaign.retention_postponed_until,
        postpone_reason=campaign.retention_postpone_reason,
        purged_at=campaign.purged_at,
        can_postpone=campaign.purged_at is None and campaign.retention_postponed_until is None,
    )


async def postpone(
    session: AsyncSession,
    actor: Actor,
    campaign_id: uuid.UUID,
    until: datetime,
    reason: str,
    settings: Settings,
    client_address: str | None,
) -> RetentionRead:
    """The admin moves a campaign's erasure to a later date, once, with a reason (audited)."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign")
    if campaign.purged_at is not None:
        raise AlreadyPurged()
    if campaign.retention_postponed_until is not None:
        raise AlreadyPostponed(postponed_until=campaign.retention_postponed_until.isoformat())
    previous = purge_date(campaign, settings)
    if until <= max(previous, clock.now()):
        raise PostponeTooEarly(purge_at=previous.isoformat())
    # Conditional: of two admins postponing at once, one wins and the other hears 409.
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.retention_postponed_until.is_(None))
        .values(retention_postponed_until=until, retention_postpone_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise AlreadyPostponed()
    audit.record(
        session,
        "retention_postponed",
        actor=actor,
        object_type="campaign",
        object_id=campaign_id,
        client_address=client_address,
        previous=previous.isoformat(),
        until=until.isoformat(),
        reason=reason,
    )
    await session.refresh(campaign)
    return state(campaign, settings)


async def states(
    session: AsyncSession, settings: Settings, params: PageParams
) -> Page[RetentionRead]:
    """Every campaign's retention, newest decision deadline first."""
    total = await session.scalar(select(func.count(Campaign.id)))
    campaigns = await session.scalars(
        select(Campaign)
        .order_by(Campaign.decision_deadline.desc(), Campaign.id)
        .offset(params.offset)
        .limit(params.page_size)
    )
    return Page(
        items=[state(c, settings) for c in campaigns],
        total=total or 0,
        page=params.page,
        page_size=params.page_size,
    )


# --- the worker's job ----------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeReport:
    campaigns: list[str]
    requests: int
    mails: int


async def run_due(
    session: AsyncSession, settings: Settings, now: datetime | None = None
) -> PurgeReport:
    """The worker's periodic job: mails the notices that are due, then erases every campaign
    whose date has passed (committing after each batch)."""
    now = now or clock.now()
    campaigns = (
        await session.scalars(
            select(Campaign)
            .where(Campaign.purged_at.is_(None))
            .order_by(Campaign.decision_deadline)
        )
    ).all()
    due = []
    for campaign in campaigns:
        if campaign.retention_notice_sent_at is None:
            if now >= purge_date(campaign, settings) - NOTICE_AHEAD:
                await _send_notice(session, campaign, settings, now)
            continue  # never erased without 30 days' notice
        if now >= purge_date(campaign, settings):
            due.append(campaign.id)
    await session.commit()
    return await purge_campaigns(session, due, settings.retention_batch_size)


async def _send_notice(
    session: AsyncSession, campaign: Campaign, settings: Settings, now: datetime
) -> None:
    """Once per campaign (a conditional UPDATE records it): every active admin is mailed."""
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.retention_notice_sent_at.is_(None))
        .values(retention_notice_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return
    campaign.retention_notice_sent_at = now
    purge_at = purge_date(campaign, settings)
    admins = (
        await session.scalars(
            select(User)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(
                Organisation.kind == OrganisationKind.admin,
                User.activated_at.is_not(None),
                User.disabled_at.is_(None),
            )
        )
    ).all()
    for admin in admins:
        mail.enqueue(
            session,
            admin.email,
            NOTICE_TEMPLATE,
            admin.language,
            school_year=campaign.school_year,
            track=campaign.track.value,
            purge_date=purge_at.astimezone(clock.BRUSSELS).strftime("%d/%m/%Y"),
            link=mail.link("/admin/campaigns"),
        )
    audit.record(
        session,
        "retention_notice_sent",
        object_type="campaign",
        object_id=campaign.id,
        until=purge_at.isoformat(),
        rows=len(admins),
    )


async def purge_due_now(session: AsyncSession, settings: Settings) -> PurgeReport:
    """Every campaign whose date has passed, notice or not (the operator's `stagematch
    purge`, e.g. after restoring a backup taken before the worker's purge)."""
    now = clock.now()
    campaigns = (await session.scalars(select(Campaign).where(Campaign.purged_at.is_(None)))).all()
    ids = [
        c.id
        for c in campaigns
        if now
        >= (
            c.retention_postponed_until
            or add_months(c.decision_deadline, settings.retention_months)
        )
    ]
    return await purge_campaigns(session, ids, settings.retention_batch_size)


async def purge(
    session: AsyncSession, older_than: timedelta, now: datetime | None = None, batch_size: int = 200
) -> PurgeReport:
    """Erases every campaign whose decision deadline is more than `older_than` ago, now
    (`stagematch purge --older-than`)."""
    cutoff = (now or clock.now()) - older_than
    ids = list(
        (
            await session.scalars(select(Campaign.id).where(Campaign.decision_deadline < cutoff))
        ).all()
    )
    return await purge_campaigns(session, ids, batch_size)


async def purge_campaigns(
    session: AsyncSession, campaign_ids: Iterable[uuid.UUID], batch_size: int
) -> PurgeReport:
    names, requests, mails = [], 0, 0
    for campaign_id in campaign_ids:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            continue
        erased, blanked = await purge_campaign(session, campaign, batch_size)
        names.append(f"{campaign.school_year} {campaign.track.value}")
        requests += erased
        mails += blanked
    return PurgeReport(names, requests, mails)


async def purge_campaign(
    session: AsyncSession, campaign: Campaign, batch_size: int
) -> tuple[int, int]:
    """Erases one campaign's pupils `batch_size` requests per transaction (a request erased is
    never read again, so a run cut short resumes), then what the campaign's own entries hold;
    returns how many requests and mails were erased."""
    campaign_id = campaign.id
    requests = mails = 0
    while True:
        ids = list(
            (
                await session.scalars(
                    select(PlacementRequest.id)
                    .where(
                        PlacementRequest.campaign_id == campaign_id,
                        PlacementRequest.national_number_encrypted != ERASED,
                    )
                    .order_by(PlacementRequest.id)
                    .limit(batch_size)
                )
            ).all()
        )
        if not ids:
            break
        mails += await _erase_requests(session, ids)
        requests += len(ids)
        await session.commit()
    mails += await _erase_legacy_mails(session, campaign)
    await _blank_audit(
        session, AuditEntry.object_type == "campaign", AuditEntry.object_id == str(campaign_id)
    )
    # Nor may this process keep the numbers it decrypted (a server's cache forgets them within
    # crypto.DECRYPT_CACHE_SECONDS).
    crypto.forget_decrypted()
    at = clock.now()
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(purged_at=at)
        .execution_options(synchronize_session=False)
    )
    # The postponement's reason is free text too (the date stays).
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.retention_postpone_reason.is_not(None))
        .values(retention_postpone_reason=ERASED)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        "retention_purged",
        object_type="campaign",
        object_id=campaign_id,
        requests=requests,
    )
    await session.commit()
    return requests, mails


def blank_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """The details without a person in them: neutral keys kept, every other value blanked."""
    return {k: (v if k in NEUTRAL_DETAILS else ERASED) for k, v in (details or {}).items()}


async def _blank_details(session: AsyncSession, model: Any, *conditions: Any) -> None:
    rows = (await session.execute(select(model.id, model.details).where(*conditions))).all()
    changed = [
        {"id": row_id, "details": blank_details(details)}
        for row_id, details in rows
        if details and blank_details(details) != details
    ]
    if changed:
        # Bulk UPDATE by primary key (one executemany).
        await session.execute(update(model), changed)


async def _blank_audit(session: AsyncSession, *conditions: Any) -> None:
    await _blank_details(session, AuditEntry, *conditions)


async def _erase_requests(session: AsyncSession, request_ids: list[uuid.UUID]) -> int:
    """Blanks these requests' pupils, their acceptances' notes and contacts, the personal
    values in their history and audit entries, and the mails about them; returns how many
    mails."""
    await session.execute(
        update(PlacementRequest)
        .where(PlacementRequest.id.in_(request_ids))
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
    await _blank_details(session, RequestEvent, RequestEvent.request_id.in_(request_ids))
    await _blank_audit(
        session,
        AuditEntry.object_type == "placement_request",
        AuditEntry.object_id.in_([str(i) for i in request_ids]),
    )
    return await _blank_mails(session, OutboxMail.placement_request_id.in_(request_ids))


async def _blank_mails(session: AsyncSession, *conditions: Any) -> int:
    """Blanks the subject and bodies; a mail not sent yet (none should be, so long after the
    campaign) is given up rather than sent empty."""
    at = clock.now()
    await session.execute(
        update(OutboxMail)
        .where(*conditions, OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None))
        .values(failed_at=at, last_error="erased by the retention purge", locked_until=None)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(OutboxMail)
        .where(*conditions, OutboxMail.body_text != ERASED)
        .values(
            subject=ERASED,
            body_text=ERASED,
            body_html=ERASED,
            link_token_encrypted=None,
            attachments=None,
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def _erase_legacy_mails(session: AsyncSession, campaign: Campaign) -> int:
    """Mails about a pupil written before the outbox named their request: those queued before
    this campaign's decision deadline (and a day) are blanked."""
    return await _blank_mails(
        session,
        OutboxMail.placement_request_id.is_(None),
        OutboxMail.template.in_(REQUEST_TEMPLATES),
        OutboxMail.created_at <= campaign.decision_deadline + timedelta(days=1),
    )

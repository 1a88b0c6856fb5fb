"""The admin's view over a campaign: dashboard counts, the audit log and the outbox."""

import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.admin.schemas import (
    AuditFilter,
    AuditRead,
    Dashboard,
    DayCount,
    OutboxDetail,
    OutboxRead,
    StillOpen,
)
from backend.audit import service as audit
from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.campaigns.models import Campaign
from backend.campaigns.phase import Phase, phase_of
from backend.db import dialect_of
from backend.errors import NotFound
from backend.mail.models import OutboxMail
from backend.mail.outbox import without_secrets
from backend.organisations.models import Organisation
from backend.placements.models import (
    Acceptance,
    InvitationOutcome,
    PlacementRequest,
    RequestEvent,
    RequestStatus,
)
from backend.placements.reading import disclosure
from backend.placements.reading import view as views
from backend.placements.reading.access import readable_by, status_column, viewer_values
from backend.placements.reading.view import RequestView, read_view
from backend.placements.schemas import StatusCounts
from backend.schemas import Page, PageParams

STATUSES = ("open", "invited", "accepted", "not_placed")


async def campaign_or_404(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign")
    return campaign


def _campaign_requests(actor: Actor) -> list[ColumnElement[bool]]:
    """A campaign's requests (bind parameter `campaign_id`) that count: not withdrawn."""
    return [
        readable_by(actor.role),
        PlacementRequest.campaign_id == bindparam("campaign_id"),
        status_column() != RequestStatus.withdrawn,
    ]


async def _counts(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """The campaign's requests counted per status, and per province and status."""
    statuses = (
        select(status_column().label("status"), PlacementRequest.province)
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(*_campaign_requests(actor))
        .subquery()
    )
    rows = await session.execute(
        select(statuses.c.status, statuses.c.province, func.count()).group_by(
            statuses.c.status, statuses.c.province
        ),
        values,
    )
    by_status: Counter[str] = Counter({s: 0 for s in STATUSES})
    by_province: dict[str, Counter[str]] = defaultdict(Counter)
    for status, province, count in rows:
        by_status[status.value] += count
        by_province[province][status.value] += count
    return by_status, by_province


async def _acceptances_per_day(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> list[dict[str, Any]]:
    """How many acceptances that hold were made each day (Brussels days)."""
    accepted_at = await session.scalars(
        select(Acceptance.accepted_at)
        .join(PlacementRequest, PlacementRequest.id == Acceptance.request_id)
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(*_campaign_requests(actor), Acceptance.released_at.is_(None)),
        values,
    )
    per_day = Counter(at.astimezone(clock.BRUSSELS).date() for at in accepted_at)
    return [{"date": d.isoformat(), "count": n} for d, n in sorted(per_day.items())]


async def _still_open(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> list[StillOpen]:
    """The requests not accepted (at most 500), by school and name."""
    status = status_column()
    rows = await session.execute(
        select(
            PlacementRequest.id,
            PlacementRequest.first_name,
            PlacementRequest.last_name,
            PlacementRequest.province,
            status.label("status"),
            Organisation.name.label("school"),
        )
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .join(Organisation, Organisation.id == PlacementRequest.school_id)
        .where(*_campaign_requests(actor), status != RequestStatus.accepted)
        .order_by(Organisation.name, PlacementRequest.last_name)
        .limit(500),
        values,
    )
    return [StillOpen.model_validate({**r._mapping, "status": r.status.value}) for r in rows]


async def dashboard(session: AsyncSession, actor: Actor, campaign_id: uuid.UUID) -> Dashboard:
    """Counts per status, province and track; the placement rate; acceptances per day."""
    campaign = await campaign_or_404(session, campaign_id)
    phase = phase_of(campaign)
    values = {**viewer_values(actor), "campaign_id": campaign_id}
    by_status, by_province = await _counts(session, actor, values)
    total = sum(by_status.values())
    return Dashboard(
        campaign_id=campaign.id,
        school_year=campaign.school_year,
        track=campaign.track.value,
        phase=phase,
        request_deadline=campaign.request_deadline,
        decision_deadline=campaign.decision_deadline,
        total=total,
        by_status=StatusCounts.model_validate(by_status),
        by_province={p: StatusCounts.model_validate(c) for p, c in sorted(by_province.items())},
        placement_rate=round(by_status["accepted"] / total, 4) if total else 0.0,
        acceptances_per_day=[
            DayCount.model_validate(d) for d in await _acceptances_per_day(session, actor, values)
        ],
        deadline_within_week=phase != Phase.closed
        and campaign.decision_deadline - clock.now() <= timedelta(days=7),
        still_open=await _still_open(session, actor, values),
    )


def _brussels_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.BRUSSELS)


async def audit_log(
    session: AsyncSession, filters: AuditFilter, params: PageParams
) -> Page[AuditRead]:
    """The audit log, newest first, filtered."""
    query = select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor_organisation_id:
        query = query.where(AuditEntry.actor_organisation_id == filters.actor_organisation_id)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.since:
        query = query.where(AuditEntry.at >= _brussels_day_start(filters.since))
    if filters.until:
        query = query.where(AuditEntry.at < _brussels_day_start(filters.until + timedelta(days=1)))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    entries = (
        await session.scalars(
            query.order_by(AuditEntry.at.desc()).offset(params.offset).limit(params.page_size)
        )
    ).all()
    return Page(
        items=[AuditRead.model_validate(e) for e in entries],
        total=total or 0,
        page=params.page,
        page_size=params.page_size,
    )


async def outbox(
    session: AsyncSession, params: PageParams, pending_only: bool = False
) -> Page[OutboxRead]:
    """The mail outbox, newest first: what was sent, what waits, what failed and why."""
    query = select(OutboxMail)
    if pending_only:
        query = query.where(OutboxMail.sent_at.is_(None))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    mails = (
        await session.scalars(
            query.order_by(OutboxMail.created_at.desc())
            .offset(params.offset)
            .limit(params.page_size)
        )
    ).all()
    return Page(
        items=[OutboxRead.model_validate(m) for m in mails],
        total=total or 0,
        page=params.page,
        page_size=params.page_size,
    )


async def outbox_mail(session: AsyncSession, mail_id: uuid.UUID) -> OutboxDetail:
    """One mail of the outbox, sent or not, with its bodies; a link's token never shows."""
    mail = await session.get(OutboxMail, mail_id)
    if mail is None:
        raise NotFound("No such mail")
    return OutboxDetail.model_validate(
        {
            **OutboxRead.model_validate(mail).model_dump(exclude={"status"}),
            "body_text": without_secrets(mail.body_text),
            "body_html": without_secrets(mail.body_html),
        }
    )


EXPORT_HEADER = (
    "id",
    "school",
    "first_name",
    "last_name",
    "national_number",
    "street",
    "postcode",
    "city",
    "province",
    "phone",
    "email",
    "transport_modes",
    "supervisor",
    "start_date",
    "end_date",
    "hours_per_week",
    "days",
    "form",
    "status",
    "invited_by",
    "accepted_by",
    "created_at",
)
# The admin sees these only on a reveal with a reason (SPEC sections 5 and 11). Without one
# the export leaves the columns out: an empty column would read as missing data, and not even
# part of the number (its birth date) leaves the server.
REVEALED_COLUMNS = frozenset({"national_number", "phone", "email"})


def export_header(revealed: bool) -> tuple[str, ...]:
    """The export's columns: the three revealed ones only when a reason was given."""
    return tuple(c for c in EXPORT_HEADER if revealed or c not in REVEALED_COLUMNS)


def _export_values(view: RequestView, revealed: bool) -> dict[str, Any]:
    """One line of the admin's export, by column."""
    accepted = view.live_acceptance
    supervisor = view.supervisor
    values = {
        "id": str(view.id),
        "school": view.school.name,
        "first_name": view.first_name,
        "last_name": view.last_name,
        "street": view.street,
        "postcode": view.postcode,
        "city": view.city,
        "province": view.province,
        "transport_modes": view.transport_modes,
        "supervisor": f"{supervisor.first_name} {supervisor.last_name}",
        "start_date": view.start_date,
        "end_date": view.end_date,
        "hours_per_week": view.hours_per_week,
        "days": view.days,
        "form": view.form or "",
        "status": view.status.value,
        "invited_by": [
            i.service.name for i in view.invitations if i.outcome == InvitationOutcome.pending
        ],
        "accepted_by": accepted.service.name if accepted else "",
        "created_at": view.created_at,
    }
    if revealed:
        encrypted = view.national_number_encrypted
        values["national_number"] = crypto.decrypt(encrypted) if encrypted else ""
        values["phone"] = view.phone
        values["email"] = view.email
    return values


async def export_rows(
    session: AsyncSession,
    actor: Actor,
    campaign_id: uuid.UUID,
    reason: str | None,
    client: str | None,
) -> tuple[tuple[str, ...], list[list[Any]]]:
    """Every request of a campaign (header and rows): national number, phone and e-mail only
    with a reveal reason. Every export is audited with its reason and the ids of its rows."""
    await campaign_or_404(session, campaign_id)
    statement = views.all_query(
        _campaign_requests(actor),
        (PlacementRequest.created_at, PlacementRequest.id),
        dialect_of(session),
    )
    found = await views.load_all(
        session, statement, {**viewer_values(actor), "campaign_id": campaign_id}
    )
    revealed = bool(reason)
    audit.record(
        session,
        "export_requests",
        actor=actor,
        object_type="campaign",
        object_id=campaign_id,
        client_address=client,
        rows=len(found),
        revealed=revealed,
        reason=reason,
        request_ids=[str(r.id) for r in found],
    )
    header = export_header(revealed)
    lines = [_export_values(view, revealed) for view in found]
    if revealed:
        # With a reason the pupils' schools are told, in one statement for the whole file
        # (without one only the street leaves, to the admin, who sees it in Stagematch too).
        await disclosure.record_disclosure(
            session,
            actor,
            {view.id: disclosure.disclosed_fields(v) for view, v in zip(found, lines, strict=True)},
            disclosure.Via.export,
            reason,
        )
    return header, [[values[column] for column in header] for values in lines]


PUPIL_FIELDS = (
    *("first_name", "last_name", "street", "postcode", "city", "province", "phone", "email"),
    *("transport_modes", "remarks", "start_date", "end_date", "hours_per_week", "days", "form"),
    *("created_at", "updated_at"),
)


def _personal_data(view: RequestView, events: list[RequestEvent]) -> dict[str, Any]:
    """Everything stored about the pupil of `view`, and the request's history."""
    encrypted = view.national_number_encrypted
    return {
        "pupil": {
            **{f: getattr(view, f) for f in PUPIL_FIELDS},
            "national_number": crypto.decrypt(encrypted) if encrypted else None,
        },
        "school": view.school.name,
        "campaign": f"{view.campaign.school_year} {view.campaign.track.value}",
        "supervisor": {
            "first_name": view.supervisor.first_name,
            "last_name": view.supervisor.last_name,
        },
        "invitations": [
            {"service": i.service.name, "invited_at": i.invited_at, "outcome": str(i.outcome)}
            for i in view.invitations
        ],
        "acceptances": [
            {
                "service": a.service.name,
                "accepted_at": a.accepted_at,
                "notes": a.notes,
                "released_at": a.released_at,
            }
            for a in view.acceptances
        ],
        "history": [{"at": e.at, "kind": e.kind, "details": e.details} for e in events],
    }


async def personal_data(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, reason: str, client: str | None
) -> dict[str, Any]:
    """Everything stored about one pupil (a data-subject access request), only with a
    reason, which the audit log keeps."""
    view = await read_view(session, actor, request_id)
    events = await session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.at)
    )
    audit.record(
        session,
        "personal_data_export",
        actor=actor,
        object_type="placement_request",
        object_id=request_id,
        client_address=client,
        reason=reason,
    )
    found = _personal_data(view, list(events))
    await disclosure.record_disclosure(
        session,
        actor,
        {view.id: disclosure.disclosed_fields(found["pupil"])},
        disclosure.Via.reveal,
        reason,
    )
    return found

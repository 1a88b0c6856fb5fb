"""The admin's view over a campaign: dashboard counts, the audit log and the outbox."""

import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend import clock, crypto
from backend.admin.schemas import AuditFilter, AuditRead, Dashboard, OutboxRead, StillOpen
from backend.audit import service as audit
from backend.audit.models import AuditEntry
from backend.auth.deps import Actor
from backend.campaigns.models import Campaign
from backend.campaigns.phase import Phase, phase_of
from backend.errors import NotFound
from backend.mail.models import OutboxMail
from backend.organisations.models import Organisation
from backend.placements.models import (
    Acceptance,
    Invitation,
    InvitationOutcome,
    PlacementRequest,
    RequestEvent,
    RequestState,
)
from backend.schemas import Page, PageParams

STATUSES = ("open", "invited", "accepted", "not_placed")


def status_of(state: RequestState, phase: Phase) -> str:
    """The status a request shows: not accepted after the decision deadline is not_placed."""
    if state != RequestState.accepted and phase == Phase.closed:
        return "not_placed"
    return str(state)


async def campaign_or_404(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign")
    return campaign


async def dashboard(session: AsyncSession, campaign_id: uuid.UUID) -> Dashboard:
    """Counts per status, province and track; the placement rate; acceptances per day."""
    campaign = await campaign_or_404(session, campaign_id)
    phase = phase_of(campaign)
    live = (
        PlacementRequest.campaign_id == campaign_id,
        PlacementRequest.state != RequestState.withdrawn,
    )
    rows = (
        await session.execute(
            select(PlacementRequest.state, PlacementRequest.province, func.count())
            .where(*live)
            .group_by(PlacementRequest.state, PlacementRequest.province)
        )
    ).all()
    by_status: Counter[str] = Counter({s: 0 for s in STATUSES})
    by_province: dict[str, Counter[str]] = defaultdict(Counter)
    for state, province, count in rows:
        status = status_of(RequestState(state), phase)
        by_status[status] += count
        by_province[province][status] += count
    total = sum(by_status.values())

    accepted_at = (
        await session.scalars(
            select(Acceptance.accepted_at)
            .join(PlacementRequest)
            .where(*live, Acceptance.released_at.is_(None))
        )
    ).all()
    per_day = Counter(at.astimezone(clock.BRUSSELS).date() for at in accepted_at)

    still_open_rows = (
        await session.execute(
            select(
                PlacementRequest.id,
                PlacementRequest.first_name,
                PlacementRequest.last_name,
                PlacementRequest.province,
                PlacementRequest.state,
                Organisation.name,
            )
            .join(Organisation, Organisation.id == PlacementRequest.school_id)
            .where(*live, PlacementRequest.state != RequestState.accepted)
            .order_by(Organisation.name, PlacementRequest.last_name)
            .limit(500)
        )
    ).all()
    return Dashboard(
        campaign_id=campaign.id,
        school_year=campaign.school_year,
        track=campaign.track,
        phase=phase,
        request_deadline=campaign.request_deadline,
        decision_deadline=campaign.decision_deadline,
        total=total,
        by_status=dict(by_status),
        by_province={p: dict(c) for p, c in sorted(by_province.items())},
        placement_rate=round(by_status["accepted"] / total, 4) if total else 0.0,
        acceptances_per_day=[
            {"date": d.isoformat(), "count": n} for d, n in sorted(per_day.items())
        ],
        deadline_within_week=phase != Phase.closed
        and campaign.decision_deadline - clock.now() <= timedelta(days=7),
        still_open=[
            StillOpen(
                id=r.id,
                first_name=r.first_name,
                last_name=r.last_name,
                school=r.name,
                province=r.province,
                status=status_of(RequestState(r.state), phase),
            )
            for r in still_open_rows
        ],
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


async def export_rows(
    session: AsyncSession,
    actor: Actor,
    campaign_id: uuid.UUID,
    reason: str | None,
    client: str | None,
) -> tuple[tuple[str, ...], list[list[Any]]]:
    """Every request of a campaign (header and rows): national number, phone and e-mail only
    with a reveal reason. Every export is audited with its reason and the ids of its rows."""
    campaign = await campaign_or_404(session, campaign_id)
    phase = phase_of(campaign)
    requests = (
        await session.scalars(
            select(PlacementRequest)
            .where(
                PlacementRequest.campaign_id == campaign_id,
                PlacementRequest.state != RequestState.withdrawn,
            )
            .options(
                selectinload(PlacementRequest.school),
                selectinload(PlacementRequest.supervisor),
                selectinload(PlacementRequest.accepted_service),
                selectinload(PlacementRequest.invitations).selectinload(Invitation.service),
            )
            .order_by(PlacementRequest.created_at)
        )
    ).all()
    revealed = bool(reason)
    audit.record(
        session,
        "export_requests",
        actor=actor,
        object_type="campaign",
        object_id=campaign_id,
        client_address=client,
        rows=len(requests),
        revealed=revealed,
        reason=reason,
        request_ids=[str(r.id) for r in requests],
    )
    header = export_header(revealed)
    rows: list[list[Any]] = []
    for r in requests:
        values = {
            "id": str(r.id),
            "school": r.school.name,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "street": r.street,
            "postcode": r.postcode,
            "city": r.city,
            "province": r.province,
            "transport_modes": r.transport_modes,
            "supervisor": f"{r.supervisor.first_name} {r.supervisor.last_name}",
            "start_date": r.start_date,
            "end_date": r.end_date,
            "hours_per_week": r.hours_per_week,
            "days": r.days,
            "form": r.form or "",
            "status": status_of(r.state, phase),
            "invited_by": [
                i.service.name for i in r.invitations if i.outcome == InvitationOutcome.pending
            ],
            "accepted_by": r.accepted_service.name if r.accepted_service else "",
            "created_at": r.created_at,
        }
        if revealed:
            encrypted = r.national_number_encrypted
            values["national_number"] = crypto.decrypt(encrypted) if encrypted else ""
            values["phone"] = r.phone
            values["email"] = r.email
        rows.append([values[column] for column in header])
    return header, rows


async def personal_data(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, reason: str, client: str | None
) -> dict[str, Any]:
    """Everything stored about one pupil (a data-subject access request), only with a
    reason, which the audit log keeps."""
    request = await session.scalar(
        select(PlacementRequest)
        .where(PlacementRequest.id == request_id)
        .options(
            selectinload(PlacementRequest.school),
            selectinload(PlacementRequest.campaign),
            selectinload(PlacementRequest.supervisor),
            selectinload(PlacementRequest.invitations).selectinload(Invitation.service),
            selectinload(PlacementRequest.acceptances).selectinload(Acceptance.service),
        )
    )
    if request is None:
        raise NotFound("No such request")
    events = (
        await session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.at)
        )
    ).all()
    audit.record(
        session,
        "personal_data_export",
        actor=actor,
        object_type="placement_request",
        object_id=request_id,
        client_address=client,
        reason=reason,
    )
    fields = (
        "first_name",
        "last_name",
        "street",
        "postcode",
        "city",
        "province",
        "phone",
        "email",
        "transport_modes",
        "remarks",
        "start_date",
        "end_date",
        "hours_per_week",
        "days",
        "form",
        "created_at",
        "updated_at",
    )
    return {
        "pupil": {
            **{f: getattr(request, f) for f in fields},
            "national_number": crypto.decrypt(request.national_number_encrypted)
            if request.national_number_encrypted
            else None,
        },
        "school": request.school.name,
        "campaign": f"{request.campaign.school_year} {request.campaign.track}",
        "supervisor": {
            "first_name": request.supervisor.first_name,
            "last_name": request.supervisor.last_name,
        },
        "invitations": [
            {"service": i.service.name, "invited_at": i.invited_at, "outcome": str(i.outcome)}
            for i in request.invitations
        ],
        "acceptances": [
            {
                "service": a.service.name,
                "accepted_at": a.accepted_at,
                "notes": a.notes,
                "released_at": a.released_at,
            }
            for a in request.acceptances
        ],
        "history": [{"at": e.at, "kind": e.kind, "details": e.details} for e in events],
    }

"""Placement requests of schools: create, list, read, edit, withdraw, history (SPEC section 4)."""

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy import update as sa_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.audit import service as audit
from backend.auth.deps import Actor
from backend.campaigns.models import Campaign, Track
from backend.campaigns.phase import Phase, phase_of
from backend.db import rowcount
from backend.errors import (
    DomainError,
    FieldError,
    PreconditionFailed,
    PreconditionRequired,
    error,
)
from backend.organisations.models import OrganisationKind
from backend.placements import interview, live, notifications
from backend.placements.history import add_event
from backend.placements.models import (
    Invitation,
    InvitationOutcome,
    PlacementRequest,
    RequestState,
)
from backend.placements.reading.access import get_visible_request, load
from backend.placements.schemas import RequestCreate, RequestUpdate
from backend.placements.school import validation
from backend.placements.transitions import TABLE, Action, check, check_request

REQUEST_WITHDRAWN = "request_withdrawn"  # mail template to the inviting services
REQUEST_WITHDRAWN_BY_ADMIN = "request_withdrawn_by_admin"  # to the school

# The fields a school enters and may edit, and the columns they are stored in.
_EDITABLE = tuple(f for f in RequestUpdate.model_fields if f != "national_number")
_COLUMNS = frozenset(
    {*_EDITABLE, "latitude", "longitude", "national_number_encrypted", "national_number_hash"}
)
EDITABLE_COLUMNS = tuple(sorted(_COLUMNS))  # (the import's create_or_update compares them)


# --- errors of this module ---------------------------------------------------------------

DuplicateRequest = error(
    409, "duplicate_request", "Your school already entered this pupil in the campaign"
)
NoOpenCampaign = error(409, "no_open_campaign", "There is no campaign for this track yet")


# --- helpers -------------------------------------------------------------------------------


async def open_campaign(session: AsyncSession, track: str) -> Campaign:
    """The campaign of `track` that takes new requests now; otherwise 409 `phase_closed`
    naming the deadline (the next opening, or the request deadline that passed), or
    `no_open_campaign` when the track has no campaign at all."""
    now = clock.now()
    campaigns = list(
        await session.scalars(
            select(Campaign).where(Campaign.track == Track(track)).order_by(Campaign.opens_at)
        )
    )
    if not campaigns:
        raise NoOpenCampaign(f"No {track} campaign exists")
    working = [c for c in campaigns if phase_of(c, now) == Phase.requests_open]
    if working:
        return working[-1]
    upcoming = [c for c in campaigns if phase_of(c, now) == Phase.before_open]
    target = upcoming[0] if upcoming else campaigns[-1]
    check(Action.create, phase_of(target, now), None, target)
    raise AssertionError("unreachable: create is only allowed while requests are open")


async def existing_request(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    school_id: uuid.UUID,
    national_number: str,
    except_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """The school's own request of the pupil in the campaign, if any (by the keyed hash)."""
    query = select(PlacementRequest.id).where(
        PlacementRequest.campaign_id == campaign_id,
        PlacementRequest.school_id == school_id,
        # Under the old blind index key too, while `stagematch reindex` runs.
        PlacementRequest.national_number_hash.in_(crypto.blind_indexes(national_number)),
    )
    if except_id is not None:
        query = query.where(PlacementRequest.id != except_id)
    return await session.scalar(query.limit(1))


def duplicate(existing_id: uuid.UUID | None) -> DomainError:
    """409 `duplicate_request` naming the school's own request of the pupil (`existing_id`),
    so that a script can read or edit that one instead."""
    if existing_id is None:
        return DuplicateRequest(field="national_number")
    return DuplicateRequest(field="national_number", existing_id=str(existing_id))


async def ensure_unique(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    school_id: uuid.UUID,
    national_number: str,
    *,
    except_id: uuid.UUID | None = None,
) -> None:
    """409 `duplicate_request` (with `existing_id`) when the school already entered the
    pupil in the campaign. Only the school's own requests count: another school's pupil is
    never refused or signalled (it would tell one school about another's pupils); the admin
    sees such pairs as conflicts (admin/conflicts.py)."""
    found = await existing_request(session, campaign_id, school_id, national_number, except_id)
    if found is not None:
        raise duplicate(found)


def withdrawn_hash(request_id: uuid.UUID) -> str:
    # The unique (campaign, hash, school) constraint would keep a withdrawn pupil from being
    # entered again, and the admin's conflicts would still list it; a withdrawn row gets a
    # hash no national number can have.
    return hashlib.sha256(f"withdrawn:{request_id}".encode()).hexdigest()


def _to_row(values: dict[str, Any]) -> dict[str, Any]:
    """Validated values to the columns of placement_request (the national number encrypted)."""
    row = dict(values)
    number = row.pop("national_number", None)
    if number is not None:
        row["national_number_encrypted"] = crypto.encrypt(number)
        row["national_number_hash"] = crypto.blind_index(number)
    return row


async def _flush_unique(session: AsyncSession, request: PlacementRequest, number: str) -> None:
    # A school's two simultaneous inserts of one pupil: the constraint decides, not a 500.
    campaign_id, school_id = request.campaign_id, request.school_id
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        # The failed flush leaves the session unusable (PendingRollbackError) even after the
        # savepoint: nothing of this request is to be kept, so the transaction goes, and a new
        # one reads the other request (committed: that is what the constraint waited for).
        await session.rollback()
        found = await existing_request(session, campaign_id, school_id, number)
        raise duplicate(found) from None


async def insert_unique(
    session: AsyncSession, statement: Insert, rows: list[dict[str, Any]]
) -> None:
    """A bulk insert of requests; a pupil entered meanwhile answers `duplicate_request`."""
    try:
        async with session.begin_nested():
            await session.execute(statement, rows)
    except IntegrityError:
        raise DuplicateRequest(field="national_number") from None


# --- the school's writes -------------------------------------------------------------------


async def create(session: AsyncSession, actor: Actor, body: RequestCreate) -> PlacementRequest:
    """Enters a pupil in the track's campaign while it takes requests; every field valid."""
    campaign = await open_campaign(session, body.track)
    values = await validation.validate(session, actor, campaign, body.model_dump(exclude={"track"}))
    row = _to_row(values)
    await ensure_unique(session, campaign.id, actor.organisation_id, values["national_number"])
    request = PlacementRequest(
        campaign_id=campaign.id,
        # In the campaign's current round (a later one only if the admin moved the request
        # deadline back after opening it): never final at birth.
        round=campaign.round,
        school_id=actor.organisation_id,
        state=RequestState.open,
        version=1,
        **row,
    )
    session.add(request)
    await _flush_unique(session, request, values["national_number"])
    add_event(session, request, actor, "created")
    live.request_changed(
        session,
        request_id=request.id,
        school_id=actor.organisation_id,
        kind="created",
        available=True,
    )
    return await load(session, request.id)


def parse_if_match(header: str | None) -> int:
    """The version in an If-Match header ("3", W/"3" or 3); 428 when absent."""
    if header is None or not header.strip():
        raise PreconditionRequired("Send If-Match with the version (the ETag) you read")
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise PreconditionFailed("If-Match does not name a version of this request")
    return int(text)


async def update(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    body: RequestUpdate,
    if_match: str | None,
) -> PlacementRequest:
    """Edits a request not accepted, until the decision deadline, at the version read."""
    request = await get_visible_request(session, actor, request_id)
    expected = parse_if_match(if_match)
    check_request(Action.edit, request)
    if expected != request.version:
        raise PreconditionFailed(current_version=request.version)
    values = await _validated_edit(session, request, body.model_dump(exclude_unset=True))
    changes = await _changed_columns(session, request, values)
    await _write_if_current(
        session, request, Action.edit, expected, updated_at=clock.now(), **changes
    )
    changed_fields = sorted(
        "national_number" if c.startswith("national_number") else c
        for c in changes
        if c not in ("latitude", "longitude", "national_number_hash")
    )
    add_event(session, request, actor, "updated", fields=changed_fields)
    live.request_changed(
        session, request_id=request.id, school_id=request.school_id, kind="updated", available=True
    )
    return await load(session, request.id)


async def _validated_edit(
    session: AsyncSession, request: PlacementRequest, given: dict[str, Any]
) -> dict[str, Any]:
    """The request's fields with the edit applied, every one valid (422 otherwise). A
    national number not sent is kept as stored, not validated again."""
    keeps_number = "national_number" not in given
    merged = {**{field: getattr(request, field) for field in _EDITABLE}, **given}
    if keeps_number:
        merged["national_number"] = None
    values, errors = validation.field_errors(
        merged,
        campaign=request.campaign,
        supervisor_ids=await validation.own_supervisor_ids(session, request.school_id),
        check_national_number=not keeps_number,
    )
    if keeps_number:
        errors = [e for e in errors if e["field"] != "national_number"]
        values.pop("national_number", None)
    if errors:
        raise FieldError(errors)
    return values


async def _changed_columns(
    session: AsyncSession, request: PlacementRequest, values: dict[str, Any]
) -> dict[str, Any]:
    """The columns whose value the edit changes; a new national number must be unique in
    the school's campaign."""
    row = _to_row(values)
    if row.get("national_number_hash") == request.national_number_hash:
        # The same number again: Fernet's fresh token would look like a change.
        row.pop("national_number_hash")
        row.pop("national_number_encrypted")
    if "national_number_hash" in row:
        await ensure_unique(
            session,
            request.campaign_id,
            request.school_id,
            values["national_number"],
            except_id=request.id,
        )
    return {
        column: value
        for column, value in row.items()
        if column in _COLUMNS and getattr(request, column) != value
    }


async def _write_if_current(
    session: AsyncSession,
    request: PlacementRequest,
    action: Action,
    expected_version: int | None,
    **values: Any,
) -> None:
    """Writes `values` only while the table still allows `action` in the row's state and,
    when given, the row is at the version read: a simultaneous edit or acceptance wins
    cleanly, and this one answers the table's 409 or 412 with the current version."""
    conditions = [
        PlacementRequest.id == request.id,
        PlacementRequest.state.in_(TABLE[action].states),
    ]
    if expected_version is not None:
        conditions.append(PlacementRequest.version == expected_version)
    result = await session.execute(
        sa_update(PlacementRequest)
        .where(*conditions)
        .values(version=PlacementRequest.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        fresh = await load(session, request.id)
        check_request(action, fresh)
        raise PreconditionFailed(current_version=fresh.version)


async def write_import_update(
    session: AsyncSession,
    request_id: uuid.UUID,
    version: int,
    changes: dict[str, Any],
    now: datetime,
) -> None:
    """An import row's edit of the school's request (mode create_or_update), at the version
    the import read, while the table allows an edit: as the form's, so a request accepted
    or edited meanwhile answers 412 and the whole import is undone."""
    result = await session.execute(
        sa_update(PlacementRequest)
        .where(
            PlacementRequest.id == request_id,
            PlacementRequest.version == version,
            PlacementRequest.state.in_(TABLE[Action.edit].states),
        )
        .values(version=PlacementRequest.version + 1, updated_at=now, **changes)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise PreconditionFailed("A request changed while the file was imported: import again")


async def withdraw(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    if_match: str | None = None,
    *,
    reason: str | None = None,
    client_address: str | None = None,
) -> None:
    """Withdraws a request not accepted (until the decision deadline), by its school or by
    the admin with a reason (a pupil two schools entered): its pending invitations end as
    `request_withdrawn` and those services are mailed. The admin's withdrawal is audited
    and mailed to the school (without the reason, which may name the other school)."""
    request = await get_visible_request(session, actor, request_id)
    check_request(Action.withdraw_request, request)
    expected = None
    if if_match is not None and if_match.strip():
        expected = parse_if_match(if_match)
        if expected != request.version:
            raise PreconditionFailed(current_version=request.version)
    now = clock.now()
    await _write_if_current(
        session,
        request,
        Action.withdraw_request,
        expected,
        state=RequestState.withdrawn,
        withdrawn_at=now,
        updated_at=now,
        national_number_hash=withdrawn_hash(request.id),
    )
    pending = [i for i in request.invitations if i.outcome == InvitationOutcome.pending]
    if pending:
        await session.execute(
            sa_update(Invitation)
            .where(
                Invitation.request_id == request.id,
                Invitation.outcome == InvitationOutcome.pending,
            )
            .values(outcome=InvitationOutcome.request_withdrawn, ended_at=now)
            .execution_options(synchronize_session=False)
        )
    add_event(session, request, actor, "withdrawn", reason=reason)
    _tell_withdrawn(session, request, actor, pending, reason, client_address)
    # The interviews of the ended invitations are off: the school's calendar hears it.
    await interview.cancel_ended(session, request, pending)


def _tell_withdrawn(
    session: AsyncSession,
    request: PlacementRequest,
    actor: Actor,
    pending: list[Invitation],
    reason: str | None,
    client_address: str | None,
) -> None:
    """The inviting services' mails and the live news; the admin's withdrawal is audited
    and mailed to the school too."""
    by_admin = actor.role == OrganisationKind.admin
    notifications.to_services(
        session, request, REQUEST_WITHDRAWN, [i.service for i in pending], by_admin=by_admin
    )
    if by_admin:
        audit.record(
            session,
            "request_withdrawn",
            actor=actor,
            object_type="placement_request",
            object_id=request.id,
            client_address=client_address,
            reason=reason,
        )
        notifications.to_school(session, request, REQUEST_WITHDRAWN_BY_ADMIN)
    live.request_changed(
        session,
        request_id=request.id,
        school_id=request.school_id,
        kind="withdrawn",
        available=False,
        services=[i.service_id for i in pending],
    )

"""The services' transitions of a request: invite, withdraw or decline an invitation, accept,
release (SPEC section 4). Each consults the one table in `transitions.py`, changes the row with
a conditional UPDATE (so concurrent transitions serialise on the request's row and the table's
rules hold at the moment of writing, not only when the request was read), writes a history
event, queues the mails and publishes a live update after commit."""

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Exists, and_, case, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from backend import clock
from backend.auth.deps import Actor
from backend.db import rowcount
from backend.errors import FieldError
from backend.organisations import capacity
from backend.placements import interview, live, notifications
from backend.placements.care_services.schemas import AcceptanceCreate, InterviewBody
from backend.placements.history import add_event
from backend.placements.models import (
    Acceptance,
    Invitation,
    InvitationOutcome,
    PlacementRequest,
    RequestState,
)
from backend.placements.reading.access import get_visible_request, load
from backend.placements.transitions import TABLE, Action, NotAccepted, NotInvited, check_request

# --- helpers ------------------------------------------------------------------------------


async def _claim(
    session: AsyncSession,
    request: PlacementRequest,
    action: Action,
    *extra_conditions: Any,
    **values: Any,
) -> None:
    """Takes the request's row (every transition of this module goes through here first, so
    they run one at a time per request) while the table still allows `action` in its state;
    otherwise re-reads it and raises the table's answer for the state it has now."""
    result = await session.execute(
        update(PlacementRequest)
        .where(
            PlacementRequest.id == request.id,
            PlacementRequest.state.in_(TABLE[action].states),
            *extra_conditions,
        )
        .values(version=PlacementRequest.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 1:
        return
    fresh = await load(session, request.id)
    check_request(action, fresh)
    # The state allows the action, so the extra condition failed (no live invitation...).
    raise (NotAccepted if action == Action.release else NotInvited)()


def _pending_of(
    service_id: uuid.UUID | None = None, *, others_than: uuid.UUID | None = None
) -> Exists:
    conditions = [
        Invitation.request_id == PlacementRequest.id,
        Invitation.outcome == InvitationOutcome.pending,
    ]
    if service_id is not None:
        conditions.append(Invitation.service_id == service_id)
    if others_than is not None:
        conditions.append(Invitation.service_id != others_than)
    return exists().where(and_(*conditions))


def _own_invitation(request: PlacementRequest, actor: Actor) -> Invitation | None:
    return next((i for i in request.invitations if i.service_id == actor.organisation_id), None)


def _check_interview(request: PlacementRequest, body: InterviewBody, field: str) -> None:
    """An interview is proposed for later, and no later than the decision deadline (after it
    nobody can accept the pupil any more)."""
    if body.starts_at <= clock.now():
        raise FieldError.at(field, "interview_in_past", "The interview must be in the future")
    if body.starts_at > request.campaign.decision_deadline:
        raise FieldError.at(
            field,
            "interview_after_decision_deadline",
            "The interview must be before the campaign's decision deadline",
        )


def _interview_values(body: InterviewBody | None) -> dict[str, Any]:
    return {
        "interview_starts_at": body.starts_at if body else None,
        "interview_duration_minutes": body.duration_minutes if body else None,
        "interview_place": body.place if body else None,
    }


def _set_interview(invitation: Invitation, body: InterviewBody | None) -> None:
    for name, value in _interview_values(body).items():
        setattr(invitation, name, value)


# --- the transitions ----------------------------------------------------------------------


async def invite(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    interview_body: InterviewBody | None = None,
) -> tuple[PlacementRequest, bool]:
    """Invites the pupil for an interview (proposing its moment and place, if given); a
    repeated invite is a no-op (returns False; the interview changes through
    `set_interview`), and a service that withdrew or declined may invite again (its
    invitation becomes live)."""
    request = await get_visible_request(session, actor, request_id)
    check_request(Action.invite, request)
    own = _own_invitation(request, actor)
    if own is not None and own.outcome == InvitationOutcome.pending:
        return request, False
    if interview_body is not None:
        _check_interview(request, interview_body, "interview.starts_at")

    await _claim(
        session,
        request,
        Action.invite,
        state=RequestState.invited,
    )
    now = clock.now()
    # Re-read under the row lock: a double click may have invited meanwhile.
    own = await session.scalar(
        select(Invitation)
        .where(Invitation.request_id == request.id, Invitation.service_id == actor.organisation_id)
        .execution_options(populate_existing=True)
    )
    if own is not None and own.outcome == InvitationOutcome.pending:
        return await load(session, request.id), False
    if own is None:
        own = Invitation(
            request_id=request.id,
            service_id=actor.organisation_id,
            invited_at=now,
            outcome=InvitationOutcome.pending,
            interview_sequence=0,
            **_interview_values(interview_body),
        )
        session.add(own)
    else:
        own.outcome, own.invited_at, own.ended_at = InvitationOutcome.pending, now, None
        _set_interview(own, interview_body)
        # The same event (UID) as the invitation's earlier interview: a later version of it.
        own.interview_sequence += 1
    add_event(session, request, actor, "invited")
    if interview_body is not None:
        _interview_event(session, actor, request, interview_body)
    await session.flush()

    request = await load(session, request.id)
    _tell_school(session, actor, request, own, notifications.PUPIL_INVITED, "REQUEST")
    live.request_changed(
        session,
        request_id=request.id,
        school_id=request.school_id,
        kind="invited",
        available=True,
    )
    return request, True


async def _end_invitation(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    action: Action,
    outcome: InvitationOutcome,
    kind: Literal["invitation_withdrawn", "declined"],
    template: str,
    reason: str | None = None,
) -> PlacementRequest:
    request = await get_visible_request(session, actor, request_id)
    check_request(action, request)
    await _claim(session, request, action, _pending_of(actor.organisation_id))
    now = clock.now()
    await session.execute(
        update(Invitation)
        .where(
            Invitation.request_id == request.id,
            Invitation.service_id == actor.organisation_id,
            Invitation.outcome == InvitationOutcome.pending,
        )
        .values(outcome=outcome, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    # The last live invitation gone, the request is open again.
    await session.execute(
        update(PlacementRequest)
        .where(
            PlacementRequest.id == request.id,
            PlacementRequest.state == RequestState.invited,
            ~_pending_of(),
        )
        .values(state=RequestState.open)
        .execution_options(synchronize_session=False)
    )
    add_event(session, request, actor, kind, reason=reason)
    await session.flush()

    request = await load(session, request.id)
    own = _own_invitation(request, actor)
    assert own is not None  # the claim found it live
    if interview.of(own) is not None:
        await interview.raise_sequence(session, own)
    _tell_school(session, actor, request, own, template, "CANCEL", reason=reason)
    live.request_changed(
        session, request_id=request.id, school_id=request.school_id, kind=kind, available=True
    )
    return request


async def withdraw_invitation(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID
) -> PlacementRequest:
    """Ends the service's own live invitation (outcome `withdrawn`); the school is told."""
    return await _end_invitation(
        session,
        actor,
        request_id,
        action=Action.withdraw_invitation,
        outcome=InvitationOutcome.withdrawn,
        kind="invitation_withdrawn",
        template=notifications.INVITATION_WITHDRAWN,
    )


async def decline(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, reason: str | None = None
) -> PlacementRequest:
    """The service interviewed the pupil and does not take it (outcome `declined`)."""
    return await _end_invitation(
        session,
        actor,
        request_id,
        action=Action.decline,
        outcome=InvitationOutcome.declined,
        kind="declined",
        template=notifications.PUPIL_DECLINED,
        reason=reason or None,
    )


async def accept(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, body: AcceptanceCreate
) -> PlacementRequest:
    """Accepts the pupil: one conditional UPDATE decides, so of many services accepting at
    the same moment exactly one wins and every other gets `409 already_accepted`."""
    request = await get_visible_request(session, actor, request_id)
    check_request(Action.accept, request)
    service_id = actor.organisation_id
    # The race is decided here, in the database: the row changes only while it is invited
    # and this service's invitation is live; a concurrent winner's commit makes it fail.
    await _claim(
        session,
        request,
        Action.accept,
        _pending_of(service_id),
        state=RequestState.accepted,
        accepted_service_id=service_id,
    )
    await capacity.take_place(session, service_id, request.campaign_id)
    now = clock.now()
    await _record_acceptance(session, request.id, service_id, body, now)
    others = await _place_elsewhere(session, request.id, service_id, now)
    contact = body.contact_person
    add_event(session, request, actor, "accepted", notes=body.notes, contact_name=contact.name)
    await session.flush()

    request = await load(session, request.id)
    _tell_accepted(session, request, actor, body, others)
    await interview.cancel_ended(session, request, others)
    return request


async def _record_acceptance(
    session: AsyncSession,
    request_id: uuid.UUID,
    service_id: uuid.UUID,
    body: AcceptanceCreate,
    now: datetime,
) -> None:
    """The winner's acceptance row, and its own invitation ends as accepted."""
    contact = body.contact_person
    session.add(
        Acceptance(
            request_id=request_id,
            service_id=service_id,
            accepted_at=now,
            notes=body.notes,
            contact_name=contact.name,
            contact_phone=contact.phone,
            contact_email=contact.email,
        )
    )
    await session.execute(
        update(Invitation)
        .where(
            Invitation.request_id == request_id,
            Invitation.service_id == service_id,
            Invitation.outcome == InvitationOutcome.pending,
        )
        .values(outcome=InvitationOutcome.accepted, ended_at=now)
        .execution_options(synchronize_session=False)
    )


async def _place_elsewhere(
    session: AsyncSession, request_id: uuid.UUID, service_id: uuid.UUID, now: datetime
) -> list[Invitation]:
    """Ends the other services' live invitations as placed elsewhere; returns them (with
    their service) to be told. Read after taking the row: no invitation can be added or
    ended concurrently now."""
    others = list(
        (
            await session.scalars(
                select(Invitation)
                .options(joinedload(Invitation.service))
                .where(
                    Invitation.request_id == request_id,
                    Invitation.service_id != service_id,
                    Invitation.outcome == InvitationOutcome.pending,
                )
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    if others:
        await session.execute(
            update(Invitation)
            .where(Invitation.id.in_([i.id for i in others]))
            .values(outcome=InvitationOutcome.placed_elsewhere, ended_at=now)
            .execution_options(synchronize_session=False)
        )
    return others


def _tell_accepted(
    session: AsyncSession,
    request: PlacementRequest,
    actor: Actor,
    body: AcceptanceCreate,
    others: list[Invitation],
) -> None:
    """The school's mail (with the contact person), the other inviting services' mails and
    the live news, all after commit."""
    contact = body.contact_person
    notifications.to_school(
        session,
        request,
        notifications.PUPIL_ACCEPTED,
        actor.user.organisation,
        notes=body.notes,
        contact_name=contact.name,
        contact_phone=contact.phone,
        contact_email=contact.email,
    )
    notifications.to_services(
        session, request, notifications.PLACED_ELSEWHERE, [i.service for i in others]
    )
    live.request_changed(
        session,
        request_id=request.id,
        school_id=request.school_id,
        kind="accepted",
        available=False,
    )


async def release(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, reason: str
) -> PlacementRequest:
    """Undoes the service's own acceptance before the decision deadline, with a reason: the
    request is `invited` again if live invitations remain, else `open`. The invitations that
    ended as placed elsewhere stay ended (those services were told; the request is back in
    every service's list and they may invite again); the releasing service's invitation
    ends as `withdrawn`."""
    request = await get_visible_request(session, actor, request_id)
    check_request(Action.release, request)
    service_id = actor.organisation_id
    await _claim(
        session,
        request,
        Action.release,
        PlacementRequest.accepted_service_id == service_id,
        state=case((_pending_of(others_than=service_id), "invited"), else_="open"),
        accepted_service_id=None,
    )
    now = clock.now()
    await session.execute(
        update(Acceptance)
        .where(
            Acceptance.request_id == request.id,
            Acceptance.service_id == service_id,
            Acceptance.released_at.is_(None),
        )
        .values(released_at=now, release_reason=reason)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Invitation)
        .where(
            Invitation.request_id == request.id,
            Invitation.service_id == service_id,
            Invitation.outcome == InvitationOutcome.accepted,
        )
        .values(outcome=InvitationOutcome.withdrawn, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    await capacity.free_place(session, service_id, request.campaign_id)
    add_event(session, request, actor, "released", reason=reason)
    await session.flush()

    request = await load(session, request.id)
    notifications.to_school(
        session, request, notifications.ACCEPTANCE_RELEASED, actor.user.organisation, reason=reason
    )
    live.request_changed(
        session, request_id=request.id, school_id=request.school_id, kind="released", available=True
    )
    return request


# --- the interview ------------------------------------------------------------------------


async def _own_live_invitation(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID
) -> tuple[PlacementRequest, Invitation]:
    """The request and this service's live invitation, for a change of its interview: allowed
    exactly when the invitation could be withdrawn (its table rule: live, before the decision
    deadline, the pupil not accepted)."""
    request = await get_visible_request(session, actor, request_id)
    check_request(Action.withdraw_invitation, request)
    own = _own_invitation(request, actor)
    if own is None or own.outcome != InvitationOutcome.pending:
        raise NotInvited()
    return request, own


async def _claim_own(
    session: AsyncSession, actor: Actor, request: PlacementRequest
) -> tuple[PlacementRequest, Invitation]:
    """Takes the request's row while this service's invitation is live, and re-reads both."""
    await _claim(session, request, Action.withdraw_invitation, _pending_of(actor.organisation_id))
    request = await load(session, request.id)
    own = _own_invitation(request, actor)
    assert own is not None and own.outcome == InvitationOutcome.pending
    return request, own


async def set_interview(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, body: InterviewBody
) -> PlacementRequest:
    """Sets or changes the interview of this service's live invitation: the school gets the
    event again (same UID, a higher SEQUENCE). The same values again change nothing."""
    request, own = await _own_live_invitation(session, actor, request_id)
    _check_interview(request, body, "starts_at")
    wanted = interview.Interview(body.starts_at, body.duration_minutes, body.place)
    if interview.of(own) == wanted:
        return request
    request, own = await _claim_own(session, actor, request)
    is_change = interview.of(own) is not None
    _set_interview(own, body)
    _interview_event(session, actor, request, body)
    await session.flush()
    await interview.raise_sequence(session, own)
    template = notifications.INTERVIEW_CHANGED
    _tell_school(session, actor, request, own, template, "REQUEST", is_change=is_change)
    _tell_interview(session, actor, request)
    return request


async def drop_interview(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID
) -> PlacementRequest:
    """Drops the interview of this service's live invitation (the invitation stays): the
    school gets the event's cancellation. Without an interview nothing changes."""
    request, own = await _own_live_invitation(session, actor, request_id)
    if interview.of(own) is None:
        return request
    request, own = await _claim_own(session, actor, request)
    if interview.of(own) is None:
        return request
    await interview.raise_sequence(session, own)
    # The cancellation names the interview, so the mail is made before it is dropped.
    _tell_school(session, actor, request, own, notifications.INTERVIEW_CANCELLED, "CANCEL")
    _set_interview(own, None)
    add_event(session, request, actor, "interview_cancelled")
    await session.flush()
    _tell_interview(session, actor, request)
    return request


def _tell_school(
    session: AsyncSession,
    actor: Actor,
    request: PlacementRequest,
    own: Invitation,
    template: str,
    method: interview.Method,
    **values: Any,
) -> None:
    """The school's mail about this service's invitation, with its interview (in words and as
    a calendar event: `method` REQUEST or CANCEL) when there is one."""
    service = actor.user.organisation
    context, attachments = interview.mail_part(request, own, service.name, service.email, method)
    notifications.to_school(
        session, request, template, service, attachments=attachments, **values, **context
    )


def _interview_event(
    session: AsyncSession, actor: Actor, request: PlacementRequest, body: InterviewBody
) -> None:
    """The history's line of an interview proposed or changed (its school and the admin read
    it; the retention blanks its details with the rest)."""
    add_event(
        session,
        request,
        actor,
        "interview_set",
        starts_at=body.starts_at.astimezone(UTC).isoformat(),
        place=body.place,
    )


def _tell_interview(session: AsyncSession, actor: Actor, request: PlacementRequest) -> None:
    """The school, the admins and the service itself hear of it; the browse list is the same."""
    live.request_changed(
        session,
        request_id=request.id,
        school_id=request.school_id,
        kind="interview_changed",
        services=[actor.organisation_id],
    )

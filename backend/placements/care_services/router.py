"""The services' endpoints on a request: invite, withdraw or decline the invitation, accept,
release; and the export of the pupils a service accepted."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse

from backend.auth.deps import ServiceActor, client_address
from backend.db import SessionDep
from backend.errors import NotFound, PhaseClosed, problems
from backend.organisations.capacity import CapacityFull
from backend.placements.care_services import responses
from backend.placements.care_services.schemas import (
    AcceptanceCreate,
    DeclineBody,
    InterviewBody,
    InvitationCreate,
    ReleaseBody,
)
from backend.placements.reading.disclosure import show
from backend.placements.schemas import RequestRead
from backend.placements.transitions import (
    AlreadyAccepted,
    NotAccepted,
    NotInvited,
    RequestFinal,
    RequestWithdrawn,
)

router = APIRouter(prefix="/placement-requests", tags=["placement requests: services"])
ClientAddress = Annotated[str, Depends(client_address)]


# What every action on a request can answer: an unknown (or invisible) request, a deadline
# passed, a request the school withdrew (transitions.TABLE).
ACTION_PROBLEMS = (NotFound, PhaseClosed, RequestWithdrawn)
# ... and, for a step on an invitation, none of this service's or another's acceptance.
INVITATION_PROBLEMS = (*ACTION_PROBLEMS, NotInvited, AlreadyAccepted)


@router.post(
    "/{request_id}/invitations",
    response_model=RequestRead,
    responses={
        200: {"description": "Already invited by this service: nothing changed"},
        201: {"description": "Invited", "model": RequestRead},
        **problems(*ACTION_PROBLEMS, AlreadyAccepted),
    },
)
async def invite(
    request_id: uuid.UUID,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
    body: InvitationCreate | None = None,
) -> JSONResponse:
    """Invites the pupil for an interview: `201`; a repeated invite changes nothing: `200`.
    An `interview` (moment and place) goes to the school as a calendar event with its mail;
    it must lie in the future and not after the decision deadline (`422`, codes
    `interview_in_past`, `interview_after_decision_deadline`)."""
    interview = body.interview if body else None
    request, created = await responses.invite(session, actor, request_id, interview)
    shown = await show(session, actor, request.id, client_address=address)
    return JSONResponse(shown, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@router.post(
    "/{request_id}/invitations/mine/withdraw",
    response_model=RequestRead,
    summary="Withdraw this service's invitation",
    responses=problems(*INVITATION_PROBLEMS),
)
async def withdraw_invitation(
    request_id: uuid.UUID, session: SessionDep, actor: ServiceActor, address: ClientAddress
) -> JSONResponse:
    """Withdraws this service's live invitation; the school is told by mail. With no live
    invitation left the request is open again."""
    request = await responses.withdraw_invitation(session, actor, request_id)
    return JSONResponse(await show(session, actor, request.id, client_address=address))


@router.put(
    "/{request_id}/invitations/mine/interview",
    response_model=RequestRead,
    summary="Set or change the interview of this service's invitation",
    responses=problems(*INVITATION_PROBLEMS),
)
async def set_interview(
    request_id: uuid.UUID,
    body: InterviewBody,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
) -> JSONResponse:
    """While this service's invitation is live (when it could withdraw it): the school gets
    the interview as an updated calendar event (same UID, higher SEQUENCE). `422` for a
    moment in the past or after the decision deadline."""
    request = await responses.set_interview(session, actor, request_id, body)
    return JSONResponse(await show(session, actor, request.id, client_address=address))


@router.delete(
    "/{request_id}/invitations/mine/interview",
    response_model=RequestRead,
    summary="Drop the interview of this service's invitation",
    responses=problems(*INVITATION_PROBLEMS),
)
async def drop_interview(
    request_id: uuid.UUID, session: SessionDep, actor: ServiceActor, address: ClientAddress
) -> JSONResponse:
    """The invitation stays; the school gets the calendar event's cancellation. Without an
    interview nothing changes."""
    request = await responses.drop_interview(session, actor, request_id)
    return JSONResponse(await show(session, actor, request.id, client_address=address))


@router.post(
    "/{request_id}/invitations/mine/decline",
    response_model=RequestRead,
    summary="Decline the pupil after the interview",
    responses=problems(*INVITATION_PROBLEMS),
)
async def decline(
    request_id: uuid.UUID,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
    body: DeclineBody | None = None,
) -> JSONResponse:
    """After the interview, this service does not take the pupil (optional `reason`, which
    the school reads in its mail)."""
    request = await responses.decline(session, actor, request_id, body.reason if body else None)
    return JSONResponse(await show(session, actor, request.id, client_address=address))


@router.post(
    "/{request_id}/acceptance",
    response_model=RequestRead,
    responses=problems(*INVITATION_PROBLEMS, CapacityFull),
)
async def accept(
    request_id: uuid.UUID,
    body: AcceptanceCreate,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
) -> JSONResponse:
    """Accepts the pupil; of simultaneous acceptances one wins, the others get
    `409 already_accepted`."""
    request = await responses.accept(session, actor, request_id, body)
    return JSONResponse(await show(session, actor, request.id, client_address=address))


@router.post(
    "/{request_id}/acceptance/release",
    response_model=RequestRead,
    summary="Release this service's acceptance",
    responses=problems(*ACTION_PROBLEMS, NotAccepted, RequestFinal),
)
async def release(
    request_id: uuid.UUID,
    body: ReleaseBody,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
) -> JSONResponse:
    """Undoes this service's acceptance before the decision deadline, with a `reason`: the
    request is open (or invited) again and the school is told."""
    request = await responses.release(session, actor, request_id, body.reason)
    return JSONResponse(await show(session, actor, request.id, client_address=address))

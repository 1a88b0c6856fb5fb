"""The services' endpoints on a request: invite, withdraw or decline the invitation, accept,
release; and the export of the pupils a service accepted."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import Response as RawResponse

from backend import tabular
from backend.auth.deps import ServiceActor, client_address
from backend.db import SessionDep
from backend.errors import NotFound, PhaseClosed, problems
from backend.organisations.capacity import CapacityFull
from backend.placements import actions, browse
from backend.placements.transitions import (
    AlreadyAccepted,
    NotAccepted,
    NotInvited,
    RequestWithdrawn,
)

router = APIRouter(prefix="/placement-requests", tags=["placement requests: services"])
ClientAddress = Annotated[str, Depends(client_address)]
Body = dict[str, Any]


# What every action on a request can answer: an unknown (or invisible) request, a deadline
# passed, a request the school withdrew (transitions.TABLE).
ACTION_PROBLEMS = (NotFound, PhaseClosed, RequestWithdrawn)
# ... and, for a step on an invitation, none of this service's or another's acceptance.
INVITATION_PROBLEMS = (*ACTION_PROBLEMS, NotInvited, AlreadyAccepted)


@router.get(
    "/export/accepted",
    response_class=RawResponse,
    responses={200: {"content": {m: {} for m in tabular.MEDIA_TYPES.values()}}},
)
async def export_accepted(
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
    format: Annotated[tabular.Format, Query()] = "csv",
    track: Annotated[Literal["duaal", "stage"] | None, Query()] = None,
) -> RawResponse:
    """This service's accepted pupils with their contact data, for the contracts

    National number, address, phone and e-mail of every pupil the service accepted (and did
    not release); each national number exported is written to the audit log."""
    found = await browse.accepted_by(session, actor, track)
    shown = [
        actions.respond(session, actor, r, client_address=address, via="export") for r in found
    ]
    return tabular.download(format, "accepted-pupils", EXPORT_COLUMNS, [_row(r) for r in shown])


@router.post(
    "/{request_id}/invitations",
    responses={
        201: {"description": "Invited"},
        **problems(*ACTION_PROBLEMS, AlreadyAccepted),
    },
)
async def invite(
    request_id: uuid.UUID,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
    response: Response,
) -> Body:
    """Invites the pupil for an interview: `201`; a repeated invite changes nothing: `200`."""
    request, created = await actions.invite(session, actor, request_id)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return actions.respond(session, actor, request, client_address=address)


@router.post(
    "/{request_id}/invitations/mine/withdraw",
    summary="Withdraw this service's invitation",
    responses=problems(*INVITATION_PROBLEMS),
)
async def withdraw_invitation(
    request_id: uuid.UUID, session: SessionDep, actor: ServiceActor, address: ClientAddress
) -> Body:
    """Withdraws this service's live invitation; the school is told by mail. With no live
    invitation left the request is open again."""
    request = await actions.withdraw_invitation(session, actor, request_id)
    return actions.respond(session, actor, request, client_address=address)


@router.post(
    "/{request_id}/invitations/mine/decline",
    summary="Decline the pupil after the interview",
    responses=problems(*INVITATION_PROBLEMS),
)
async def decline(
    request_id: uuid.UUID,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
    body: actions.DeclineBody | None = None,
) -> Body:
    """After the interview, this service does not take the pupil (optional `reason`, which
    the school reads in its mail)."""
    request = await actions.decline(session, actor, request_id, body.reason if body else None)
    return actions.respond(session, actor, request, client_address=address)


@router.post(
    "/{request_id}/acceptance",
    responses=problems(*INVITATION_PROBLEMS, CapacityFull),
)
async def accept(
    request_id: uuid.UUID,
    body: actions.AcceptanceCreate,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
) -> Body:
    """Accepts the pupil; of simultaneous acceptances one wins, the others get
    `409 already_accepted`."""
    request = await actions.accept(session, actor, request_id, body)
    return actions.respond(session, actor, request, client_address=address)


@router.post(
    "/{request_id}/acceptance/release",
    summary="Release this service's acceptance",
    responses=problems(*ACTION_PROBLEMS, NotAccepted),
)
async def release(
    request_id: uuid.UUID,
    body: actions.ReleaseBody,
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
) -> Body:
    """Undoes this service's acceptance before the decision deadline, with a `reason`: the
    request is open (or invited) again and the school is told."""
    request = await actions.release(session, actor, request_id, body.reason)
    return actions.respond(session, actor, request, client_address=address)


EXPORT_COLUMNS = [
    "school_year",
    "track",
    "first_name",
    "last_name",
    "national_number",
    "street",
    "postcode",
    "city",
    "province",
    "phone",
    "email",
    "school",
    "supervisor",
    "supervisor_phone",
    "supervisor_email",
    "start_date",
    "end_date",
    "hours_per_week",
    "days",
    "form",
    "accepted_at",
    "contact_person",
]


def _row(shown: dict[str, Any]) -> list[Any]:
    # Built from what the service may see (the presented request), never from the row.
    campaign = shown.get("campaign") or {}
    school = shown.get("school") or {}
    supervisor = shown.get("supervisor") or {}
    acceptance = shown.get("acceptance") or {}
    contact = acceptance.get("contact_person") or {}
    supervisor_name = " ".join(
        p for p in (supervisor.get("first_name"), supervisor.get("last_name")) if p
    )
    return [
        campaign.get("school_year"),
        shown.get("track") or campaign.get("track"),
        shown.get("first_name"),
        shown.get("last_name"),
        shown.get("national_number"),
        shown.get("street"),
        shown.get("postcode"),
        shown.get("city"),
        shown.get("province"),
        shown.get("phone"),
        shown.get("email"),
        school.get("name"),
        supervisor_name,
        supervisor.get("phone"),
        supervisor.get("email"),
        shown.get("start_date"),
        shown.get("end_date"),
        shown.get("hours_per_week"),
        shown.get("days"),
        shown.get("form"),
        acceptance.get("accepted_at"),
        contact.get("name"),
    ]

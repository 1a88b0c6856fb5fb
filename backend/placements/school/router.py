"""The school's writes on its requests: enter a pupil, edit, withdraw."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status
from fastapi.responses import JSONResponse

from backend.auth.deps import SchoolActor
from backend.db import SessionDep
from backend.errors import (
    NotFound,
    PhaseClosed,
    PreconditionFailed,
    PreconditionRequired,
    problems,
)
from backend.placements.reading.disclosure import show
from backend.placements.router import with_etag
from backend.placements.schemas import RequestCreate, RequestRead, RequestUpdate
from backend.placements.school import requests as school_requests
from backend.placements.school.requests import DuplicateRequest, NoOpenCampaign
from backend.placements.transitions import RequestFinal, RequestLocked, RequestWithdrawn

router = APIRouter(prefix="/placement-requests", tags=["placement requests"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Enter a pupil in the open campaign of a track",
    responses=problems(NoOpenCampaign, PhaseClosed, DuplicateRequest),
    response_model=RequestRead,
)
async def create_request(body: RequestCreate, actor: SchoolActor, db: SessionDep) -> JSONResponse:
    request = await school_requests.create(db, actor, body)
    shown = await show(db, actor, request.id)
    return with_etag(shown, 201, Location=f"/api/v1/placement-requests/{request.id}")


@router.patch(
    "/{request_id}",
    summary="Edit a request that is not accepted (If-Match: the ETag read)",
    response_model=RequestRead,
    responses=problems(
        NotFound,
        PhaseClosed,
        RequestLocked,
        RequestWithdrawn,
        RequestFinal,
        DuplicateRequest,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def update_request(
    request_id: uuid.UUID,
    body: RequestUpdate,
    actor: SchoolActor,
    db: SessionDep,
    if_match: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    request = await school_requests.update(db, actor, request_id, body, if_match)
    return with_etag(await show(db, actor, request.id))


@router.delete(
    "/{request_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw a request that is not accepted",
    responses=problems(
        NotFound, PhaseClosed, RequestLocked, RequestWithdrawn, RequestFinal, PreconditionFailed
    ),
)
async def withdraw_request(
    request_id: uuid.UUID,
    actor: SchoolActor,
    db: SessionDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    await school_requests.withdraw(db, actor, request_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Reading requests over HTTP: each role's list, one request, its history, the admin's
reveal. Included after the other placements routers, whose fixed paths (import, export...)
must match before `/{request_id}`."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from backend.auth.deps import AdminActor, CurrentActor, client_address
from backend.db import SessionDep
from backend.errors import Forbidden, NotFound, problems
from backend.placements import history, lists
from backend.placements.lists import summary
from backend.placements.params import RequestListParams
from backend.placements.reading import disclosure
from backend.placements.schemas import (
    HistoryEvent,
    RequestRead,
    RequestSummary,
    RevealBody,
    RevealedData,
)
from backend.schemas import CursorPage, Page, PageParams, page_response

router = APIRouter(prefix="/placement-requests", tags=["placement requests"])
ClientAddress = Annotated[str, Depends(client_address)]
Body = dict[str, Any]
Track = Literal["duaal", "stage"]


def with_etag(body: Body, status_code: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(
        body, status_code=status_code, headers={"ETag": f'"{body["version"]}"', **headers}
    )


@router.get(
    "",
    summary="The overview (school: its own; service: browse; admin: all)",
    response_model=CursorPage[RequestRead],
)
async def list_requests(
    actor: CurrentActor, db: SessionDep, params: Annotated[RequestListParams, Query()]
) -> Response:
    return page_response(await lists.list_requests(db, actor, params))


@router.get(
    "/summary",
    summary="The caller's requests of a track counted per status (the start pages)",
    response_model=RequestSummary,
)
async def request_summary(actor: CurrentActor, db: SessionDep, track: Track) -> Body:
    """Counted with the lists' own status and readable condition: each count is the length
    of the list its filter opens (`status=` for a school, `mine=` for a service)."""
    return await summary.summary(db, actor, track)


@router.get(
    "/{request_id}",
    summary="One request, as the caller may see it",
    response_model=RequestRead,
    responses=problems(NotFound),
)
async def get_request(
    request_id: uuid.UUID, actor: CurrentActor, db: SessionDep, address: ClientAddress
) -> JSONResponse:
    return with_etag(await disclosure.show(db, actor, request_id, client_address=address))


@router.get(
    "/{request_id}/history",
    summary="The request's events (school and admin)",
    response_model=Page[HistoryEvent],
    # An event's details hold only the members that apply to it (never null ones).
    response_model_exclude_unset=True,
    responses=problems(Forbidden, NotFound),
)
async def request_history(
    request_id: uuid.UUID,
    actor: CurrentActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
) -> Page[Body]:
    return await history.history(db, actor, request_id, params)


@router.post(
    "/{request_id}/reveal",
    summary="The admin reveals a pupil's national number, phone and e-mail (audited)",
    response_model=RevealedData,
    responses=problems(NotFound),
)
async def reveal(
    request_id: uuid.UUID,
    body: RevealBody,
    actor: AdminActor,
    db: SessionDep,
    address: ClientAddress,
) -> dict[str, str]:
    return await disclosure.reveal(db, actor, request_id, body.reason, address)

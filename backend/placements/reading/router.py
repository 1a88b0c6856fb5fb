"""A school's placement requests: create, list, read, edit, withdraw, history; the bulk
import and the export. The fixed paths (import, import-template, export) come before
`/{request_id}` so they are matched first."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from backend.auth.deps import AdminActor, CurrentActor, client_address
from backend.db import SessionDep
from backend.placements import history, lists
from backend.placements.params import RequestListParams
from backend.placements.reading import disclosure
from backend.placements.schemas import RequestRead, RevealBody
from backend.schemas import Page, PageParams, page_response

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
    response_model=Page[RequestRead],
)
async def list_requests(
    actor: CurrentActor, db: SessionDep, params: Annotated[RequestListParams, Query()]
) -> Response:
    return page_response(await lists.list_requests(db, actor, params))


@router.get(
    "/{request_id}", summary="One request, as the caller may see it", response_model=RequestRead
)
async def get_request(
    request_id: uuid.UUID, actor: CurrentActor, db: SessionDep, address: ClientAddress
) -> JSONResponse:
    return with_etag(await disclosure.show(db, actor, request_id, client_address=address))


@router.get("/{request_id}/history", summary="The request's events (school and admin)")
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
)
async def reveal(
    request_id: uuid.UUID,
    body: RevealBody,
    actor: AdminActor,
    db: SessionDep,
    address: ClientAddress,
) -> dict[str, str]:
    return await disclosure.reveal(db, actor, request_id, body.reason, address)

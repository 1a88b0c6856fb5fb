"""A school's placement requests: create, list, read, edit, withdraw, history; the bulk
import and the export. The fixed paths (import, import-template, export) come before
`/{request_id}` so they are matched first."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Header, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from backend import tabular
from backend.auth.deps import AdminActor, CurrentActor, SchoolActor, client_address
from backend.db import SessionDep
from backend.errors import (
    Forbidden,
    NotFound,
    PhaseClosed,
    PreconditionFailed,
    PreconditionRequired,
    problems,
)
from backend.placements import import_export, service
from backend.placements.params import RequestListParams
from backend.placements.schemas import RequestCreate, RequestUpdate, RevealBody
from backend.placements.service import DuplicateRequest, NoOpenCampaign
from backend.placements.transitions import RequestLocked, RequestWithdrawn
from backend.placements.visibility import present
from backend.schemas import Page, PageParams, page_response

router = APIRouter(prefix="/placement-requests", tags=["placement requests"])
ClientAddress = Annotated[str, Depends(client_address)]
Body = dict[str, Any]
Track = Literal["duaal", "stage"]
IMPORT_PROBLEMS = (
    import_export.ImportInvalid,
    import_export.ImportUnreadable,
    import_export.ImportTooLarge,
)


def _with_etag(body: Body, status_code: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(
        body, status_code=status_code, headers={"ETag": f'"{body["version"]}"', **headers}
    )


@router.get(
    "",
    summary="The overview (school: its own; service: browse; admin: all)",
    response_model=Page[Body],
)
async def list_requests(
    actor: CurrentActor, db: SessionDep, params: Annotated[RequestListParams, Query()]
) -> Response:
    return page_response(await service.list_requests(db, actor, params))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Enter a pupil in the open campaign of a track",
    response_model=Body,
    responses=problems(NoOpenCampaign, PhaseClosed, DuplicateRequest),
)
async def create_request(body: RequestCreate, actor: SchoolActor, db: SessionDep) -> JSONResponse:
    request = await service.create(db, actor, body)
    return _with_etag(
        present(actor, request), 201, Location=f"/api/v1/placement-requests/{request.id}"
    )


@router.get(
    "/import-template",
    summary="The empty import template",
    response_class=Response,
    responses={200: {"content": {m: {} for m in tabular.MEDIA_TYPES.values()}}},
)
async def import_template(_: SchoolActor, format: tabular.Format = "csv") -> Response:
    return import_export.template(format)


@router.post(
    "/import",
    summary="Import requests from CSV or XLSX (all rows or none)",
    responses=problems(NoOpenCampaign, PhaseClosed, DuplicateRequest, *IMPORT_PROBLEMS),
)
async def import_requests(
    actor: SchoolActor,
    db: SessionDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, ; or ,) or XLSX")],
    track: Annotated[Track, Query(description="The campaign the rows join")],
    dry_run: bool = False,
) -> Body:
    """`dry_run=true` only reports each row's errors by field; without it every row is
    inserted, or none (422 `import_invalid` with the same report)."""
    data = await file.read(import_export.MAX_BYTES + 1)
    return await import_export.import_requests(
        db, actor, track, data, file.filename, dry_run=dry_run
    )


@router.get(
    "/export",
    summary="The school's overview as CSV or XLSX",
    response_class=Response,
    responses={200: {"content": {m: {} for m in tabular.MEDIA_TYPES.values()}}},
)
async def export_requests(
    actor: SchoolActor,
    db: SessionDep,
    params: Annotated[RequestListParams, Query()],
    format: tabular.Format = "csv",
) -> Response:
    found = await service.all_for_export(db, actor, params)
    return tabular.download(
        format,
        "aanvragen",
        import_export.EXPORT_COLUMNS,
        [import_export.export_row(r) for r in found],
    )


@router.get(
    "/{request_id}",
    summary="One request, as the caller may see it",
    response_model=Body,
    responses=problems(NotFound),
)
async def get_request(
    request_id: uuid.UUID, actor: CurrentActor, db: SessionDep, address: ClientAddress
) -> JSONResponse:
    request = await service.get_visible_request(db, actor, request_id)
    if actor.role.value == "service":
        # The services' module audits a national number shown to the accepting service.
        from backend.placements.actions import respond

        return _with_etag(respond(db, actor, request, client_address=address, via="detail"))
    return _with_etag(present(actor, request))


@router.patch(
    "/{request_id}",
    summary="Edit a request that is not accepted (If-Match: the ETag read)",
    response_model=Body,
    responses=problems(
        NotFound,
        PhaseClosed,
        RequestLocked,
        RequestWithdrawn,
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
    request = await service.update(db, actor, request_id, body, if_match)
    return _with_etag(present(actor, request))


@router.delete(
    "/{request_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw a request that is not accepted",
    responses=problems(NotFound, PhaseClosed, RequestLocked, RequestWithdrawn, PreconditionFailed),
)
async def withdraw_request(
    request_id: uuid.UUID,
    actor: SchoolActor,
    db: SessionDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    await service.withdraw(db, actor, request_id, if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{request_id}/history",
    summary="The request's events (school and admin)",
    responses=problems(Forbidden, NotFound),
)
async def request_history(
    request_id: uuid.UUID,
    actor: CurrentActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
) -> Page[Body]:
    return await service.history(db, actor, request_id, params)


@router.post(
    "/{request_id}/reveal",
    summary="The admin reveals a pupil's national number, phone and e-mail (audited)",
    responses=problems(NotFound),
)
async def reveal(
    request_id: uuid.UUID,
    body: RevealBody,
    actor: AdminActor,
    db: SessionDep,
    address: ClientAddress,
) -> dict[str, str]:
    return await service.reveal(db, actor, request_id, body.reason, address)

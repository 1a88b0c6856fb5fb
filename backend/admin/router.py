import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from backend.admin import service
from backend.admin.schemas import AuditFilter, AuditRead, Dashboard, OutboxRead
from backend.auth.deps import AdminActor, client_address
from backend.db import SessionDep
from backend.schemas import MultiLine, Page, PageParams
from backend.tabular import Format, download

router = APIRouter(prefix="/admin", tags=["admin"])
ClientAddress = Annotated[str, Depends(client_address)]


@router.get("/dashboard", summary="A campaign's counts, placement rate and open pupils")
async def dashboard(campaign_id: uuid.UUID, _: AdminActor, db: SessionDep) -> Dashboard:
    return await service.dashboard(db, campaign_id)


@router.get("/audit", summary="The audit log (append-only), newest first")
async def audit_log(
    _: AdminActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
    filters: Annotated[AuditFilter, Query()],
) -> Page[AuditRead]:
    return await service.audit_log(db, filters, params)


@router.get("/outbox", summary="The mail outbox: sent, waiting and failed mail")
async def outbox(
    _: AdminActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
    pending_only: bool = False,
) -> Page[OutboxRead]:
    return await service.outbox(db, params, pending_only)


@router.get(
    "/exports/requests",
    summary="All requests of a campaign as CSV or XLSX",
    response_class=Response,
)
async def export_requests(
    campaign_id: uuid.UUID,
    actor: AdminActor,
    db: SessionDep,
    client: ClientAddress,
    format: Format = "csv",
    reveal_reason: Annotated[MultiLine | None, Query(min_length=5, max_length=500)] = None,
) -> Response:
    """National numbers are masked unless `reveal_reason` says why they are needed; every
    export is written to the audit log with that reason."""
    rows = await service.export_rows(db, actor, campaign_id, reveal_reason, client)
    return download(format, "aanvragen", service.EXPORT_HEADER, rows)


@router.get(
    "/placement-requests/{request_id}/personal-data",
    summary="Everything stored about one pupil (data-subject request)",
)
async def personal_data(
    request_id: uuid.UUID, actor: AdminActor, db: SessionDep, client: ClientAddress
) -> dict[str, Any]:
    return await service.personal_data(db, actor, request_id, client)

"""Files: the school's import (and its template) and export, the service's export of the
pupils it accepted, the school's record of one pupil, the placement agreement (PDF). Fixed
paths, included before `/{request_id}`."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from fastapi.responses import Response as RawResponse

from backend import tabular
from backend.auth.deps import CurrentActor, SchoolActor, ServiceActor, client_address
from backend.db import SessionDep
from backend.errors import NotFound, PhaseClosed, PreconditionFailed, problems
from backend.placements.files import agreement, exporting, importing, record, words
from backend.placements.lists import browse, overview
from backend.placements.params import RequestListParams
from backend.placements.reading import disclosure
from backend.placements.schemas import ImportMode, ImportReport, PupilRecord, RevealReason
from backend.placements.school.requests import DuplicateRequest, NoOpenCampaign

router = APIRouter(prefix="/placement-requests", tags=["placement requests"])
ClientAddress = Annotated[str, Depends(client_address)]
Body = dict[str, Any]
Track = Literal["duaal", "stage"]
Lang = Annotated[
    words.Language | None,
    Query(
        description="The file's language: headers, values and dates in Dutch (`nl`) or "
        "English (`en`), or the stable codes for scripts (`codes`); default the user's language"
    ),
]
IMPORT_PROBLEMS = (importing.ImportInvalid, importing.ImportUnreadable, importing.ImportTooLarge)


@router.get(
    "/import-template",
    summary="The empty import template",
    response_class=Response,
    responses=tabular.FILE_RESPONSES,
)
async def import_template(
    actor: SchoolActor, format: tabular.Format = "csv", lang: Lang = None
) -> Response:
    """The header row to fill in (the columns of the import), in the user's language."""
    header, _, _ = words.table(importing.COLUMNS, [], words.language_of(actor, lang))
    return await tabular.download(format, "aanvragen-sjabloon", header, [])


@router.post(
    "/import",
    summary="Import requests from CSV or XLSX (all rows or none)",
    response_model=ImportReport,
    responses=problems(
        NoOpenCampaign, PhaseClosed, DuplicateRequest, PreconditionFailed, *IMPORT_PROBLEMS
    ),
)
async def import_requests(
    actor: SchoolActor,
    db: SessionDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, ; or ,) or XLSX")],
    track: Annotated[Track, Query(description="The campaign the rows join")],
    dry_run: Annotated[
        bool, Query(description="Only report what each row would do; nothing is written")
    ] = False,
    mode: Annotated[
        ImportMode,
        Query(
            description="A row of a pupil the school already entered in the campaign: "
            "`create_only` refuses it (`duplicate_request`, and so the file); "
            "`create_or_update` updates that request with the row; `skip_existing` leaves "
            "it as it is. Pupils not entered yet are created in every mode"
        ),
    ] = "create_only",
) -> JSONResponse:
    """`dry_run=true` only reports what each row would do (`results`) and its errors by
    field; without it every row is written, or none (422 `import_invalid` with the same
    report)."""
    data = await file.read(importing.MAX_BYTES + 1)
    report = await importing.import_requests(
        db, actor, track, data, file.filename, dry_run=dry_run, mode=mode
    )
    return JSONResponse(report)


@router.get(
    "/export",
    summary="The school's overview as CSV or XLSX",
    response_class=Response,
    responses=tabular.FILE_RESPONSES,
)
async def export_requests(
    actor: SchoolActor,
    db: SessionDep,
    address: ClientAddress,
    params: Annotated[RequestListParams, Query()],
    format: tabular.Format = "csv",
    lang: Lang = None,
) -> Response:
    """The overview's pupils (its track, filters and search), in the user's language."""
    found = await overview.all_for_export(db, actor, params)
    shown = await disclosure.respond_many(db, actor, found, via="export", client_address=address)
    header, lines, day_format = words.table(
        exporting.EXPORT_COLUMNS,
        [exporting.export_row(r) for r in shown],
        words.language_of(actor, lang),
    )
    return await tabular.download(format, "aanvragen", header, lines, day_format=day_format)


@router.get(
    "/export/accepted",
    response_class=RawResponse,
    responses=tabular.FILE_RESPONSES,
)
async def export_accepted(
    session: SessionDep,
    actor: ServiceActor,
    address: ClientAddress,
    format: Annotated[tabular.Format, Query()] = "csv",
    track: Annotated[Literal["duaal", "stage"] | None, Query()] = None,
    lang: Lang = None,
) -> RawResponse:
    """This service's accepted pupils with their contact data, for the contracts

    National number, address, phone and e-mail of every pupil the service accepted (and did
    not release); each national number exported is written to the audit log."""
    found = await browse.accepted_by(session, actor, track)
    shown = await disclosure.respond_many(
        session, actor, found, via="export", client_address=address
    )
    header, lines, day_format = words.table(
        exporting.ACCEPTED_COLUMNS,
        [exporting.accepted_row(r) for r in shown],
        words.language_of(actor, lang),
    )
    return await tabular.download(format, "accepted-pupils", header, lines, day_format=day_format)


@router.get(
    "/{request_id}/record",
    summary="Everything Stagematch holds about one of the school's pupils",
    response_class=Response,
    responses={
        200: {
            "model": PupilRecord,
            "content": {"text/html": {"schema": {"type": "string"}}},
            "description": "JSON (`format=json`), or a printable page in Dutch (`format=html`)",
        },
        **problems(NotFound),
    },
)
async def pupil_record(
    request_id: uuid.UUID,
    actor: SchoolActor,
    db: SessionDep,
    format: Annotated[
        Literal["json", "html"],
        Query(description="`json` (default), or `html`: a printable page in Dutch"),
    ] = "json",
) -> Response:
    """For the access a pupil or a parent may ask for: the request, its history with every
    disclosure of the pupil's personal fields, and the mails sent about the pupil (their
    links replaced by `[link]`). Only the pupil's own school; another school gets 404."""
    found = await record.pupil_record(db, actor, request_id)
    name = f"dossier-{request_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "html":
        return Response(record.render_html(found), media_type="text/html", headers=headers)
    return JSONResponse(found, headers=headers)


@router.get(
    "/{request_id}/agreement",
    summary="The placement agreement of an accepted pupil (PDF), audited",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The filled-in agreement, to print and sign",
        },
        **problems(NotFound, agreement.NoAgreement, agreement.ReasonRequired),
    },
)
async def placement_agreement(
    request_id: uuid.UUID,
    actor: CurrentActor,
    db: SessionDep,
    address: ClientAddress,
    lang: Annotated[
        agreement.Language | None,
        Query(description="`nl` or `en`; default the user's language"),
    ] = None,
    reason: Annotated[
        RevealReason | None,
        Query(description="The admin's reason to read the pupil's personal data (audited)"),
    ] = None,
) -> Response:
    """For the accepting service and the pupil's school while the pupil is accepted (the
    request's `agreement_url` says when); the admin only with a `reason`. Any other service
    (also one that released the pupil) and any other school get 404, as for a request that
    does not exist; the school before an acceptance 409 `no_agreement`. The agreement's text
    is the admin's (`/admin/texts/agreement`). Each download is written to the audit log and,
    unless the school downloads it, told on the pupil's page as a disclosure."""
    found = await agreement.agreement(
        db, actor, request_id, language=lang, reason=reason, client_address=address
    )
    return Response(
        found.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Cache-Control": "no-store",
        },
    )

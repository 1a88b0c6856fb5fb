import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from backend.admin import conflicts, proposal, retention, service
from backend.admin.schemas import (
    AuditFilter,
    AuditRead,
    Conflict,
    Dashboard,
    OutboxDetail,
    OutboxRead,
    PersonalData,
    PostponeIn,
    ProposalMails,
    ProposalRead,
    RetentionRead,
    RevealReason,
    WithdrawalIn,
)
from backend.auth.deps import AdminActor, SettingsDep, client_address
from backend.db import SessionDep
from backend.errors import NotFound, PhaseClosed, PreconditionFailed, problems
from backend.placements.files import words
from backend.placements.school import requests as school_requests
from backend.placements.transitions import RequestFinal, RequestLocked, RequestWithdrawn
from backend.schemas import Page, PageParams
from backend.tabular import FILE_RESPONSES, Format, download

router = APIRouter(prefix="/admin", tags=["admin"])
ClientAddress = Annotated[str, Depends(client_address)]


@router.get(
    "/dashboard",
    summary="A campaign's counts, placement rate and open pupils",
    responses=problems(NotFound),
)
async def dashboard(campaign_id: uuid.UUID, actor: AdminActor, db: SessionDep) -> Dashboard:
    return await service.dashboard(db, actor, campaign_id)


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
    "/outbox/{mail_id}",
    summary="One mail of the outbox, its text and HTML, without the token of its link",
    responses=problems(NotFound),
)
async def outbox_mail(mail_id: uuid.UUID, _: AdminActor, db: SessionDep) -> OutboxDetail:
    return await service.outbox_mail(db, mail_id)


@router.get(
    "/exports/requests",
    summary="All requests of a campaign as CSV or XLSX",
    response_class=Response,
    responses={**FILE_RESPONSES, **problems(NotFound)},
)
async def export_requests(
    campaign_id: uuid.UUID,
    actor: AdminActor,
    db: SessionDep,
    client: ClientAddress,
    format: Format = "csv",
    reason: Annotated[
        RevealReason | None,
        Query(description="Why national numbers, phones and e-mails are needed (audited)"),
    ] = None,
    lang: Annotated[
        words.Language | None,
        Query(description="`nl`, `en` or `codes` (for scripts); default the user's language"),
    ] = None,
) -> Response:
    """Without `reason` the file has no national number, phone or e-mail column; with one it
    has them. Every export is written to the audit log with its reason and its rows."""
    columns, rows = await service.export_rows(db, actor, campaign_id, reason, client)
    header, lines, day_format = words.table(columns, rows, words.language_of(actor, lang))
    return await download(format, "aanvragen", header, lines, day_format=day_format)


@router.get(
    "/placement-requests/{request_id}/personal-data",
    summary="Everything stored about one pupil (data-subject request), with a reason",
    responses=problems(NotFound),
)
async def personal_data(
    request_id: uuid.UUID,
    actor: AdminActor,
    db: SessionDep,
    client: ClientAddress,
    reason: Annotated[RevealReason, Query(description="Why the data are needed (audited)")],
) -> PersonalData:
    found = await service.personal_data(db, actor, request_id, reason, client)
    return PersonalData.model_validate(found)


@router.get(
    "/campaigns/{campaign_id}/conflicts",
    summary="Pupils entered by two schools: pairs of requests with the same national number",
    responses=problems(NotFound),
)
async def campaign_conflicts(
    campaign_id: uuid.UUID,
    _: AdminActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
) -> Page[Conflict]:
    return await conflicts.conflicts(db, campaign_id, params)


@router.post(
    "/placement-requests/{request_id}/withdraw",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw a school's request that is not accepted (a conflict), with a reason",
    responses=problems(
        NotFound, PhaseClosed, RequestLocked, RequestWithdrawn, RequestFinal, PreconditionFailed
    ),
)
async def withdraw_request(
    request_id: uuid.UUID,
    body: WithdrawalIn,
    actor: AdminActor,
    db: SessionDep,
    client: ClientAddress,
) -> Response:
    """As the school's withdrawal (the inviting services are mailed), and the school is
    mailed that the admin withdrew it; the reason goes to the history and the audit log."""
    await school_requests.withdraw(db, actor, request_id, reason=body.reason, client_address=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/retention", summary="When each campaign's personal data are erased")
async def retention_states(
    _: AdminActor,
    db: SessionDep,
    settings: SettingsDep,
    params: Annotated[PageParams, Query()],
) -> Page[RetentionRead]:
    """Newest campaign first: the date of the erasure (RETENTION_MONTHS after the decision
    deadline, or as postponed), the admins' notice 30 days before, the postponement."""
    return await retention.states(db, settings, params)


@router.post(
    "/campaigns/{campaign_id}/retention/postpone",
    summary="Postpone a campaign's erasure once, with a reason (audited)",
    responses=problems(
        NotFound, retention.AlreadyPostponed, retention.AlreadyPurged, retention.PostponeTooEarly
    ),
)
async def postpone_retention(
    campaign_id: uuid.UUID,
    body: PostponeIn,
    actor: AdminActor,
    db: SessionDep,
    settings: SettingsDep,
    client: ClientAddress,
) -> RetentionRead:
    return await retention.postpone(
        db, actor, campaign_id, body.until, body.reason, settings, client
    )


@router.get(
    "/campaigns/{campaign_id}/proposal",
    summary="A proposal for the unplaced pupils: the best fitting service for each, within "
    "every service's places left",
    response_model=ProposalRead,
    responses=problems(NotFound, retention.AlreadyPurged),
)
async def get_proposal(campaign_id: uuid.UUID, _: AdminActor, db: SessionDep) -> dict[str, Any]:
    """Maximises the total fit (an exact assignment, scipy's linear_sum_assignment); a pupil
    no service can take (too far, a way of coming that does not work) has none. Invites
    nobody."""
    return await proposal.proposal(db, campaign_id)


@router.post(
    "/campaigns/{campaign_id}/proposal/mails",
    summary="Mail each service the pupils the proposal suggests to it (invites nobody)",
    responses=problems(NotFound, retention.AlreadyPurged),
)
async def send_proposal_mails(
    campaign_id: uuid.UUID, _: AdminActor, db: SessionDep
) -> ProposalMails:
    """One mail per service, once per list of pupils: sending the same proposal again mails
    nobody twice."""
    return await proposal.send_mails(db, campaign_id)

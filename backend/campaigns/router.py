import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from backend.auth.deps import AdminActor, CurrentActor
from backend.campaigns import service
from backend.campaigns.schemas import CampaignCreate, CampaignRead, CampaignUpdate, RoundCreate
from backend.db import SessionDep
from backend.errors import NotFound, problems
from backend.placements import rounds
from backend.schemas import Page, PageParams

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.get("", summary="Campaigns with their phase and next deadline")
async def list_campaigns(
    _: CurrentActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
    track: Literal["duaal", "stage"] | None = None,
    school_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> Page[CampaignRead]:
    return await service.list_(db, params, track, school_year)


@router.get(
    "/current",
    summary="The campaign of a track that matters now (for the banner)",
    responses=problems(NotFound),
)
async def current_campaign(
    _: CurrentActor, db: SessionDep, track: Literal["duaal", "stage"]
) -> CampaignRead:
    return await service.answer(db, await service.current(db, track))


@router.get("/{campaign_id}", summary="One campaign", responses=problems(NotFound))
async def get_campaign(campaign_id: uuid.UUID, _: CurrentActor, db: SessionDep) -> CampaignRead:
    return await service.answer(db, await service.get(db, campaign_id))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a campaign",
    responses=problems(service.DuplicateCampaign),
)
async def create_campaign(body: CampaignCreate, actor: AdminActor, db: SessionDep) -> CampaignRead:
    return await service.answer(db, await service.create(db, actor, body))


@router.post(
    "/{campaign_id}/copy",
    status_code=status.HTTP_201_CREATED,
    summary="Copy a campaign to the next school year, every date a year later",
    responses=problems(NotFound, service.DuplicateCampaign),
)
async def copy_campaign(campaign_id: uuid.UUID, actor: AdminActor, db: SessionDep) -> CampaignRead:
    """The same track in the next school year, with the same Brussels wall times a year
    later; `409 duplicate_campaign` when that year already has the track."""
    return await service.answer(db, await service.copy_to_next_year(db, actor, campaign_id))


@router.patch("/{campaign_id}", summary="Move a campaign's deadlines", responses=problems(NotFound))
async def update_campaign(
    campaign_id: uuid.UUID, body: CampaignUpdate, actor: AdminActor, db: SessionDep
) -> CampaignRead:
    return await service.answer(db, await service.update(db, actor, campaign_id, body))


@router.post(
    "/{campaign_id}/rounds",
    status_code=status.HTTP_201_CREATED,
    summary="Open a next round for the pupils not placed, with its own decision deadline",
    responses=problems(NotFound, rounds.RoundNotAllowed),
)
async def open_round(
    campaign_id: uuid.UUID, body: RoundCreate, actor: AdminActor, db: SessionDep
) -> CampaignRead:
    """After the campaign's decision deadline: every request that ended `not_placed` is
    `open` again, in the new round (`round`), for every service, until `decision_deadline`
    (in the future, else 422); the pending invitations end as `round_ended`. Each school is
    mailed its pupils in the round, each service how many are near it. Requests accepted or
    withdrawn in an earlier round are final. Before the deadline, or when another round was
    opened meanwhile: `409 round_not_allowed`."""
    campaign = await rounds.open_round(db, actor, campaign_id, body.decision_deadline)
    return await service.answer(db, campaign)

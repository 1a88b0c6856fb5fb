import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from backend.auth.deps import AdminActor, CurrentActor, LimiterDep, SettingsDep
from backend.auth.schemas import Accepted
from backend.db import SessionDep
from backend.errors import AlreadyActivated, Conflict, EmailTaken, Forbidden, NotFound, problems
from backend.organisations import contacts, preferences, service
from backend.organisations.capacity import CapacityBelowUsed
from backend.organisations.models import OrganisationKind
from backend.organisations.schemas import (
    CapacityIn,
    CapacityRead,
    LastContact,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    PreferencesIn,
    PreferencesRead,
)
from backend.schemas import Page, PageParams, SingleLine

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", summary="List and search organisations")
async def list_organisations(
    _: AdminActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
    q: SingleLine | None = Query(None, max_length=200),
    kind: OrganisationKind | None = None,
) -> Page[OrganisationRead]:
    return await service.list_(db, params, q, kind)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an organisation and invite its account",
    responses=problems(EmailTaken),
)
async def create_organisation(
    body: OrganisationCreate, actor: AdminActor, db: SessionDep, settings: SettingsDep
) -> OrganisationRead:
    return await service.create(db, actor, body, settings)


@router.get("/{organisation_id}", summary="One organisation", responses=problems(NotFound))
async def get_organisation(
    organisation_id: uuid.UUID, _: AdminActor, db: SessionDep
) -> OrganisationRead:
    return await service.get(db, organisation_id)


@router.patch(
    "/{organisation_id}",
    summary="Edit, disable or enable an organisation",
    responses=problems(NotFound, Conflict),
)
async def update_organisation(
    organisation_id: uuid.UUID, body: OrganisationUpdate, actor: AdminActor, db: SessionDep
) -> OrganisationRead:
    return await service.update(db, actor, organisation_id, body)


@router.post(
    "/{organisation_id}/invitation",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Resend the activation mail (the older link stops working)",
    responses=problems(NotFound, AlreadyActivated),
)
async def resend_invitation(
    organisation_id: uuid.UUID, actor: AdminActor, db: SessionDep, settings: SettingsDep
) -> Accepted:
    await service.resend_invitation(db, actor, organisation_id, settings)
    return Accepted(detail="Invitation sent")


@router.post(
    "/{organisation_id}/unlock",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unlock sign-in: forget the failed attempts counted against its accounts",
    responses=problems(NotFound),
)
async def unlock_sign_in(
    organisation_id: uuid.UUID, actor: AdminActor, db: SessionDep, limiter: LimiterDep
) -> None:
    """For an account that others' guessing locked out (`429 rate_limited` at sign-in).
    The owner can also unlock it with a password reset."""
    await service.unlock_sign_in(db, actor, organisation_id, limiter)


@router.get(
    "/{organisation_id}/last-contact",
    summary="The contact person of the service's latest acceptance (its accept dialog's start)",
    responses=problems(Forbidden),
)
async def last_contact(
    organisation_id: uuid.UUID, actor: CurrentActor, db: SessionDep
) -> LastContact:
    if not actor.is_admin and actor.organisation_id != organisation_id:
        raise Forbidden("Only the admin and the service itself see its contact person")
    return await contacts.last_contact(db, organisation_id)


@router.get(
    "/{organisation_id}/capacities",
    summary="A service's capacity per campaign",
    responses=problems(Forbidden, NotFound, service.NotAService),
)
async def list_capacities(
    organisation_id: uuid.UUID, actor: CurrentActor, db: SessionDep
) -> list[CapacityRead]:
    """For the admin, and for the service itself (its browse page shows the places left)."""
    if not actor.is_admin and actor.organisation_id != organisation_id:
        raise Forbidden("Only the admin and the service itself see its capacity")
    return await service.list_capacities(db, organisation_id)


@router.put(
    "/{organisation_id}/capacities/{campaign_id}",
    summary="Set how many pupils a service can take in a campaign",
    responses=problems(NotFound, service.NotAService, CapacityBelowUsed),
)
async def set_capacity(
    organisation_id: uuid.UUID,
    campaign_id: uuid.UUID,
    body: CapacityIn,
    actor: AdminActor,
    db: SessionDep,
) -> CapacityRead:
    """Accepting beyond it answers `409 capacity_full`."""
    return await service.set_capacity(db, actor, organisation_id, campaign_id, body.capacity)


@router.get(
    "/{organisation_id}/preferences",
    summary="What fits a care service: days, hours, start period, distance, transport",
    responses=problems(NotFound),
)
async def get_preferences(
    organisation_id: uuid.UUID, actor: CurrentActor, db: SessionDep
) -> PreferencesRead:
    """For the service itself and the admin; 404 for anyone else."""
    return await preferences.get(db, actor, organisation_id)


@router.put(
    "/{organisation_id}/preferences",
    summary="State what fits a care service (its browse list's `sort=fit`, the proposal)",
    responses=problems(NotFound),
)
async def put_preferences(
    organisation_id: uuid.UUID, body: PreferencesIn, actor: CurrentActor, db: SessionDep
) -> PreferencesRead:
    """Replaces them whole; what is left out does not matter to the service. For the service
    itself and the admin; 404 for anyone else."""
    return await preferences.put(db, actor, organisation_id, body)

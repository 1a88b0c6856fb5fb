"""Which requests a viewer may know, and reading one of them with everything its
presentation needs."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from backend.campaigns.phase import Phase, phase_of
from backend.errors import NotFound
from backend.organisations.models import OrganisationKind
from backend.placements.models import (
    Acceptance,
    Invitation,
    PlacementRequest,
    RequestState,
)


def request_load_options() -> list:
    """Everything `present` reads, loaded up front (relationships are lazy="raise"):
    the single objects joined into the request's own query, the two lists (with their service)
    in one statement each. Three statements, whatever the number of requests."""
    return [
        joinedload(PlacementRequest.campaign, innerjoin=True),
        joinedload(PlacementRequest.school, innerjoin=True),
        joinedload(PlacementRequest.supervisor, innerjoin=True),
        joinedload(PlacementRequest.accepted_service),
        selectinload(PlacementRequest.invitations).joinedload(Invitation.service, innerjoin=True),
        selectinload(PlacementRequest.acceptances).joinedload(Acceptance.service, innerjoin=True),
    ]


def _service_may_know(actor, request: PlacementRequest) -> bool:
    own = any(i.service_id == actor.organisation_id for i in request.invitations) or any(
        a.service_id == actor.organisation_id for a in request.acceptances
    )
    if own:
        # Including a request the school withdrew: the service sees it as withdrawn.
        return True
    listed = request.state in (RequestState.open, RequestState.invited)
    return listed and phase_of(request.campaign) in (Phase.requests_open, Phase.decisions_open)


async def get_visible_request(
    session: AsyncSession, actor, request_id: uuid.UUID, *, for_update: bool = False
) -> PlacementRequest:
    """The request if the actor may know it exists; otherwise 404, as for a missing one."""
    query = select(PlacementRequest).where(PlacementRequest.id == request_id)
    if actor.role == OrganisationKind.school:
        # Scoped in SQL, so a forgotten check fails closed.
        query = query.where(
            PlacementRequest.school_id == actor.organisation_id,
            PlacementRequest.state != RequestState.withdrawn,
        )
    if for_update:
        query = query.with_for_update(of=PlacementRequest)
    request = await session.scalar(query.options(*request_load_options()))
    if request is None:
        raise NotFound("No such placement request")
    if actor.role == OrganisationKind.service and not _service_may_know(actor, request):
        raise NotFound("No such placement request")
    return request


async def load(session: AsyncSession, request_id: uuid.UUID) -> PlacementRequest:
    """The request with everything `present` reads, fresh from the database."""
    return (
        await session.execute(
            select(PlacementRequest)
            .where(PlacementRequest.id == request_id)
            .options(*request_load_options())
            .execution_options(populate_existing=True)
        )
    ).scalar_one()

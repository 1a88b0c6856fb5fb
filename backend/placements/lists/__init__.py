"""The lists of requests: the school's overview, the admin's list (overview.py) and the care
services' browse list and own lists (browse.py), with distances (distance.py)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.deps import Actor
from backend.errors import FieldError
from backend.organisations.models import OrganisationKind
from backend.placements.lists.browse import list_for_service
from backend.placements.lists.overview import list_for_school_or_admin
from backend.placements.params import RequestListParams
from backend.schemas import CursorPage

# Best fit first reads every candidate that could be on a page up to its end, so a page is
# refused past this many (a page of 50 up to page 100): deeper, the filters narrow the list.
FIT_DEPTH = 5_000


async def list_requests(
    session: AsyncSession, actor: Actor, params: RequestListParams
) -> CursorPage[dict[str, Any]]:
    """`GET /placement-requests`: each role's list."""
    if params.sort == "fit" and (actor.role != OrganisationKind.service or params.mine):
        raise FieldError.at(
            "sort", "fit_for_browse", "Only a care service's browse list sorts by fit"
        )
    if params.sort == "fit" and params.offset + params.page_size > FIT_DEPTH:
        raise FieldError.at(
            "page", "fit_too_deep", f"Best fit first lists the first {FIT_DEPTH:,} requests"
        )
    if actor.role == OrganisationKind.service:
        return await list_for_service(session, actor, params)
    return await list_for_school_or_admin(session, actor, params)

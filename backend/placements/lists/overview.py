"""The school's overview (its own requests) and the admin's list (all), filtered, sorted,
paginated; and every row of it for the export."""

from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.campaigns.models import Campaign, Track
from backend.organisations.models import OrganisationKind
from backend.placements.models import (
    PlacementRequest,
    RequestState,
)
from backend.placements.params import RequestListParams
from backend.placements.reading import view as views
from backend.placements.reading.access import request_load_options
from backend.placements.reading.present import present_many
from backend.schemas import Page


def _status_condition(status: str):
    live = PlacementRequest.state.in_([RequestState.open, RequestState.invited])
    now = bindparam("now")
    match status:
        case "accepted":
            return PlacementRequest.state == RequestState.accepted
        case "not_placed":
            return and_(live, Campaign.decision_deadline <= now)
        case _:
            return and_(
                PlacementRequest.state == RequestState(status), Campaign.decision_deadline > now
            )


def like_pattern(text: str) -> str:
    """`text` anywhere, case-insensitive, for `func.lower(column).like(..., escape="\\")`."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_conditions(
    school: bool, track: bool, campaign: bool, supervisor: bool, status: str | None, q: bool
) -> tuple:
    """The rows a school (its own, not withdrawn) or the admin (all) lists, filtered."""
    conditions = []
    if school:
        conditions += [
            PlacementRequest.school_id == bindparam("school_id"),
            PlacementRequest.state != RequestState.withdrawn,
        ]
    if track:
        conditions.append(Campaign.track == bindparam("track"))
    if campaign:
        conditions.append(PlacementRequest.campaign_id == bindparam("campaign_id"))
    if supervisor:
        conditions.append(PlacementRequest.supervisor_id == bindparam("supervisor_id"))
    if status:
        conditions.append(_status_condition(status))
    if q:
        pattern = bindparam("pattern")
        conditions.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        PlacementRequest.first_name,
                        PlacementRequest.last_name,
                        PlacementRequest.city,
                        PlacementRequest.postcode,
                        PlacementRequest.first_name + " " + PlacementRequest.last_name,
                    )
                )
            )
        )
    return tuple(conditions)


def _list_shape(actor, params: RequestListParams) -> tuple:
    if actor.role not in (OrganisationKind.school, OrganisationKind.admin):
        raise AssertionError("services list through browse.list_for_service")
    return (
        actor.role == OrganisationKind.school,
        bool(params.track),
        bool(params.campaign_id),
        bool(params.supervisor_id),
        params.status,
        bool(params.q and params.q.strip()),
    )


def _list_values(actor, params: RequestListParams) -> dict[str, Any]:
    """The bind parameters of `list_conditions(*_list_shape(actor, params))`."""
    values: dict[str, Any] = {"school_id": actor.organisation_id, "now": clock.now()}
    if params.track:
        values["track"] = Track(params.track)
    if params.campaign_id:
        values["campaign_id"] = params.campaign_id
    if params.supervisor_id:
        values["supervisor_id"] = params.supervisor_id
    if params.q and params.q.strip():
        values["pattern"] = like_pattern(params.q.strip())
    return values


_SORTS = {
    "newest": (PlacementRequest.created_at.desc(), PlacementRequest.id),
    "oldest": (PlacementRequest.created_at, PlacementRequest.id),
    "name": (
        func.lower(PlacementRequest.last_name),
        func.lower(PlacementRequest.first_name),
        PlacementRequest.id,
    ),
    "start_date": (
        PlacementRequest.start_date.is_(None),
        PlacementRequest.start_date,
        PlacementRequest.id,
    ),
    "status": (PlacementRequest.state, PlacementRequest.created_at.desc(), PlacementRequest.id),
}


@lru_cache(maxsize=512)
def _list_query(shape: tuple, sort: str, dialect: str) -> views.PageQuery:
    return views.page_query(list_conditions(*shape), _SORTS[sort], dialect)


async def list_for_school_or_admin(
    session: AsyncSession, actor, params: RequestListParams
) -> Page[dict[str, Any]]:
    """The overview: a school's own requests or, for the admin, all. The number of
    statements does not grow with the rows."""
    sort = params.sort if params.sort in _SORTS else "newest"
    query = _list_query(_list_shape(actor, params), sort, session.bind.dialect.name)
    # The page's requests read as plain rows (reading/view.py).
    requests, total = await views.page(session, query, _list_values(actor, params), params)
    return Page(
        items=present_many(actor, requests),
        total=total,
        page=params.page,
        page_size=params.page_size,
    )


async def all_for_export(session: AsyncSession, actor, params: RequestListParams) -> list:
    """Every request of the overview (no pagination), for the export."""
    return list(
        await session.scalars(
            select(PlacementRequest)
            .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
            .where(*list_conditions(*_list_shape(actor, params)))
            .order_by(*_SORTS.get(params.sort, _SORTS["newest"]))
            .options(*request_load_options()),
            _list_values(actor, params),
        )
    )

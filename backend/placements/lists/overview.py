"""The school's overview (its own requests) and the admin's list (all), filtered, sorted,
paginated; and every row of it for the export. Which requests: `access.readable_by`; their
status: `access.status_column`."""

from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from backend.auth.actor import Actor
from backend.campaigns.models import Campaign, Track
from backend.db import dialect_of
from backend.organisations.models import OrganisationKind
from backend.placements.models import PlacementRequest
from backend.placements.params import RequestListParams
from backend.placements.reading import view as views
from backend.placements.reading.access import readable_by, status_column, viewer_values
from backend.placements.reading.present import present_many
from backend.placements.reading.view import RequestView
from backend.schemas import Page


def like_pattern(text: str) -> str:
    """`text` anywhere, case-insensitive, for `func.lower(column).like(..., escape="\\")`."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_conditions(
    role: OrganisationKind, track: bool, campaign: bool, supervisor: bool, status: bool, q: bool
) -> tuple[Any, ...]:
    """The requests a school or the admin may know (`readable_by`), filtered."""
    conditions = [readable_by(role)]
    if track:
        conditions.append(Campaign.track == bindparam("track"))
    if campaign:
        conditions.append(PlacementRequest.campaign_id == bindparam("campaign_id"))
    if supervisor:
        conditions.append(PlacementRequest.supervisor_id == bindparam("supervisor_id"))
    if status:
        conditions.append(status_column() == bindparam("status"))
    if q:
        pattern: BindParameter[str] = bindparam("pattern")
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


def _list_shape(actor: Actor, params: RequestListParams) -> tuple[Any, ...]:
    if actor.role not in (OrganisationKind.school, OrganisationKind.admin):
        raise AssertionError("services list through browse.list_for_service")
    return (
        actor.role,
        bool(params.track),
        bool(params.campaign_id),
        bool(params.supervisor_id),
        bool(params.status),
        bool(params.q and params.q.strip()),
    )


def _list_values(actor: Actor, params: RequestListParams) -> dict[str, Any]:
    """The bind parameters of `list_conditions(*_list_shape(actor, params))`."""
    values: dict[str, Any] = viewer_values(actor)
    if params.status:
        values["status"] = params.status
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
    "status": (status_column(), PlacementRequest.created_at.desc(), PlacementRequest.id),
}


@lru_cache(maxsize=512)
def _list_query(shape: tuple[Any, ...], sort: str, dialect: str) -> views.PageQuery:
    return views.page_query(list_conditions(*shape), _SORTS[sort], dialect)


@lru_cache(maxsize=128)
def _export_query(shape: tuple[Any, ...], sort: str, dialect: str) -> Select[Any]:
    return views.all_query(list_conditions(*shape), _SORTS[sort], dialect)


async def list_for_school_or_admin(
    session: AsyncSession, actor: Actor, params: RequestListParams
) -> Page[dict[str, Any]]:
    """The overview: a school's own requests or, for the admin, all. One statement per page
    (reading/view.py), whatever the number of rows."""
    sort = params.sort if params.sort in _SORTS else "newest"
    query = _list_query(_list_shape(actor, params), sort, dialect_of(session))
    requests, total = await views.load_page(session, query, _list_values(actor, params), params)
    return Page(
        items=present_many(actor, requests),
        total=total.count,
        total_is_estimate=total.is_estimate,
        page=params.page,
        page_size=params.page_size,
    )


async def all_for_export(
    session: AsyncSession, actor: Actor, params: RequestListParams
) -> list[RequestView]:
    """Every request of the overview (no pagination), for the export."""
    sort = params.sort if params.sort in _SORTS else "newest"
    query = _export_query(_list_shape(actor, params), sort, dialect_of(session))
    return await views.load_all(session, query, _list_values(actor, params))

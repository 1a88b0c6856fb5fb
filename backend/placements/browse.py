"""A service's view of the requests: the browse list (open and invited requests of campaigns
not yet closed, with filters, distance and sorting) and its own lists (`mine=`).

Distance: every request stores its postcode's coordinates. A bounding box narrows the rows in
SQL (plain comparisons, which an index can serve), then the great-circle (haversine) distance
is computed in SQL too, for the filter and the `distance` sort, so that only the page's rows
leave the database (SQLite has the math functions since 3.35; `least` is its `min`). The
statements issued do not depend on the number of rows."""

import math
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, String, and_, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from backend import clock
from backend.auth.deps import Actor
from backend.campaigns.models import Campaign
from backend.errors import FieldError
from backend.placements import service as requests
from backend.placements import views
from backend.placements.actions import respond
from backend.placements.models import (
    Invitation,
    InvitationOutcome,
    PlacementRequest,
    RequestState,
)
from backend.placements.params import RequestListParams
from backend.reference.postcodes import _EARTH_RADIUS_KM as EARTH_RADIUS_KM
from backend.reference.postcodes import distance_km, lookup_postcode
from backend.schemas import Page

KM_PER_DEGREE_LATITUDE = 111.2
# A little slack on the box, so that no request inside the radius falls outside it.
BOX_MARGIN = 1.02


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float


def _origin(actor: Actor, params: RequestListParams) -> Origin | None:
    """The point distances are measured from: `near`, else the service's own postcode."""
    if params.near:
        info = lookup_postcode(params.near)
        if info is None or info.latitude is None or info.longitude is None:
            raise FieldError.at("near", "unknown_postcode", "Not an existing Belgian postcode")
        return Origin(info.latitude, info.longitude)
    info = lookup_postcode(actor.user.organisation.postcode or "")
    if info is None or info.latitude is None or info.longitude is None:
        if params.max_km is not None:
            raise FieldError.at("near", "required", "Give a postcode to measure the distance from")
        return None
    return Origin(info.latitude, info.longitude)


def _has_invitation(service_id: uuid.UUID, *outcomes: InvitationOutcome):
    return exists().where(
        Invitation.request_id == PlacementRequest.id,
        Invitation.service_id == service_id,
        Invitation.outcome.in_(outcomes),
    )


def _scope(actor: Actor, params: RequestListParams) -> list[Any]:
    """Which requests the list holds: the browse list, or one of the service's own lists."""
    me = actor.organisation_id
    match params.mine:
        case None:
            return [
                Campaign.decision_deadline > clock.now(),
                PlacementRequest.state.in_([RequestState.open, RequestState.invited]),
            ]
        case "invited":
            return [_has_invitation(me, InvitationOutcome.pending)]
        case "accepted":
            return [
                PlacementRequest.state == RequestState.accepted,
                PlacementRequest.accepted_service_id == me,
            ]
        case "placed_elsewhere":
            # Only while the other service's acceptance stands: after a release the request
            # is back in the browse list.
            return [
                _has_invitation(me, InvitationOutcome.placed_elsewhere),
                PlacementRequest.state == RequestState.accepted,
                PlacementRequest.accepted_service_id != me,
            ]
        case "withdrawn":
            # Requests the school withdrew while this service had invited the pupil. (A
            # service's own withdrawn invitation is not here: that request is still in the
            # browse list, where the service may invite again.)
            return [
                _has_invitation(me, InvitationOutcome.request_withdrawn),
                PlacementRequest.state == RequestState.withdrawn,
            ]
    raise AssertionError(params.mine)


def _json_list_has_any(column: Any, values: list[str]) -> Any:
    # The lists are stored as JSON arrays of fixed words; matching the quoted word in the
    # text is exact for them and runs the same on SQLite and PostgreSQL.
    text = cast(column, String)
    return or_(*(text.contains(f'"{value}"') for value in values))


def _filters(params: RequestListParams) -> list[Any]:
    conditions: list[Any] = []
    if params.track:
        conditions.append(Campaign.track == params.track)
    if params.campaign_id:
        conditions.append(PlacementRequest.campaign_id == params.campaign_id)
    if params.province:
        conditions.append(PlacementRequest.province.in_(params.province))
    if params.transport:
        conditions.append(_json_list_has_any(PlacementRequest.transport_modes, params.transport))
    if params.days:
        conditions.append(_json_list_has_any(PlacementRequest.days, params.days))
    if params.form:
        conditions.append(PlacementRequest.form == params.form)
    if params.start_from:
        conditions.append(PlacementRequest.start_date >= params.start_from)
    if params.start_to:
        conditions.append(PlacementRequest.start_date <= params.start_to)
    if params.q:
        # Every word must appear in a name, the city or the postcode.
        columns = (
            PlacementRequest.first_name,
            PlacementRequest.last_name,
            PlacementRequest.city,
            PlacementRequest.postcode,
        )
        for word in params.q.lower().split():
            conditions.append(
                or_(*(func.lower(c).contains(word, autoescape=True) for c in columns))
            )
    return conditions


def box_around(origin: Origin, max_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east): a box holding every point within `max_km` of `origin`."""
    dlat = max_km * BOX_MARGIN / KM_PER_DEGREE_LATITUDE
    # Longitude degrees shrink towards the poles; take the box's widest latitude.
    widest = math.radians(min(89.0, abs(origin.latitude) + dlat))
    dlon = max_km * BOX_MARGIN / (KM_PER_DEGREE_LATITUDE * math.cos(widest))
    return (
        origin.latitude - dlat,
        origin.latitude + dlat,
        origin.longitude - dlon,
        origin.longitude + dlon,
    )


def _bounding_box(origin: Origin, max_km: float) -> Any:
    south, north, west, east = box_around(origin, max_km)
    return and_(
        PlacementRequest.latitude.between(south, north),
        PlacementRequest.longitude.between(west, east),
    )


class _least(GenericFunction):  # noqa: N801 (SQL's name)
    """The smaller of two numbers: `least` on PostgreSQL, the two-argument `min` on SQLite."""

    type = Float()
    name = "least"
    inherit_cache = True


@compiles(_least, "sqlite")
def _least_on_sqlite(element: _least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


def _distance_sql(origin: Origin) -> Any:
    """The haversine distance in km from `origin` to the request's coordinates, in SQL
    (`reference.postcodes.distance_km`'s formula); NULL without coordinates."""
    latitude, longitude = PlacementRequest.latitude, PlacementRequest.longitude
    half_chord = func.power(func.sin(func.radians(latitude - origin.latitude) / 2), 2) + (
        math.cos(math.radians(origin.latitude))
        * func.cos(func.radians(latitude))
        * func.power(func.sin(func.radians(longitude - origin.longitude) / 2), 2)
    )
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(_least(1.0, half_chord)))


def _order(sort: str) -> list[Any]:
    match sort:
        case "oldest":
            keys = [PlacementRequest.created_at.asc()]
        case "name":
            keys = [PlacementRequest.last_name.asc(), PlacementRequest.first_name.asc()]
        case "start_date":
            keys = [PlacementRequest.start_date.asc().nulls_last()]
        case "status":
            keys = [PlacementRequest.state.asc()]
        case _:  # newest; distance sorts by the distance first, then in this order
            keys = [PlacementRequest.created_at.desc()]
    # A total order, so pages never overlap or skip.
    if sort not in ("newest", "oldest"):
        keys.append(PlacementRequest.created_at.desc())
    return [*keys, PlacementRequest.id.asc()]


def _distance(origin: Origin | None, latitude: float | None, longitude: float | None):
    if origin is None or latitude is None or longitude is None:
        return None
    return distance_km(origin.latitude, origin.longitude, latitude, longitude)


async def list_for_service(
    session: AsyncSession, actor: Actor, params: RequestListParams
) -> Page[dict]:
    """The service's browse list (or own list with `mine=`), filtered, sorted, paginated;
    each item as the service may see it, with its distance in km when known."""
    origin = _origin(actor, params)
    conditions = [*_scope(actor, params), *_filters(params)]
    order = _order(params.sort)
    if origin is not None:
        distance = _distance_sql(origin)
        if params.max_km is not None:
            conditions += [_bounding_box(origin, params.max_km), distance <= params.max_km]
        if params.sort == "distance":
            # Unknown distances last; equal ones keep the newest-first order.
            order = [distance.is_(None), distance, *order]
    # Only the page's requests are loaded, with everything `present` reads.
    page, total = await views.page(session, conditions, order, params)
    items, campaigns = [], {}
    for request in page:
        distance = _distance(origin, request.latitude, request.longitude)
        extra = {"distance_km": round(distance, 1)} if distance is not None else None
        items.append(respond(session, actor, request, via="list", extra=extra, campaigns=campaigns))
    return Page(items=items, total=total, page=params.page, page_size=params.page_size)


async def accepted_by(
    session: AsyncSession, actor: Actor, track: str | None = None
) -> list[PlacementRequest]:
    """The requests the service has accepted (for its export), by campaign and name."""
    query = (
        select(PlacementRequest)
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(
            PlacementRequest.state == RequestState.accepted,
            PlacementRequest.accepted_service_id == actor.organisation_id,
        )
        .options(*requests.request_load_options())
        .order_by(
            Campaign.school_year.desc(),
            PlacementRequest.last_name,
            PlacementRequest.first_name,
            PlacementRequest.id,
        )
    )
    if track:
        query = query.where(Campaign.track == track)
    return list((await session.scalars(query)).all())

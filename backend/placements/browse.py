"""A service's view of the requests: the browse list (open and invited requests of campaigns
not yet closed, with filters, distance and sorting) and its own lists (`mine=`).

Distance: every request stores its postcode's coordinates. A bounding box narrows the rows in
SQL (plain comparisons, which an index can serve), then the great-circle (haversine) distance
is computed in SQL too, for the filter and the `distance` sort, so that only the page's rows
leave the database (SQLite has the math functions since 3.35; `least` is its `min`). The
statements issued do not depend on the number of rows."""

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, String, and_, bindparam, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from backend import clock
from backend.auth.deps import Actor
from backend.campaigns.models import Campaign, Track
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


# The statements are built once for each shape of list (which list, which filters, how many
# words or values in each, which order) with named bind parameters, and kept: building one
# costs more than executing it. `_values` gives the parameters of one request.


@dataclass(frozen=True)
class _Shape:
    mine: str | None
    track: bool
    campaign: bool
    province: bool
    transport: int
    days: int
    form: bool
    start_from: bool
    start_to: bool
    words: int
    distance: bool
    max_km: bool
    sort: str


def _words(q: str | None) -> list[str]:
    return q.lower().split() if q else []


def _shape(params: RequestListParams, origin: Origin | None) -> _Shape:
    return _Shape(
        mine=params.mine,
        track=bool(params.track),
        campaign=bool(params.campaign_id),
        province=bool(params.province),
        transport=len(set(params.transport or ())),
        days=len(set(params.days or ())),
        form=bool(params.form),
        start_from=bool(params.start_from),
        start_to=bool(params.start_to),
        words=len(_words(params.q)),
        distance=origin is not None,
        max_km=origin is not None and params.max_km is not None,
        sort=params.sort,
    )


def _has_invitation(*outcomes: InvitationOutcome):
    return exists().where(
        Invitation.request_id == PlacementRequest.id,
        Invitation.service_id == bindparam("me"),
        Invitation.outcome.in_(outcomes),
    )


def _scope(mine: str | None) -> list[Any]:
    """Which requests the list holds: the browse list, or one of the service's own lists."""
    me = bindparam("me")
    match mine:
        case None:
            return [
                Campaign.decision_deadline > bindparam("now"),
                PlacementRequest.state.in_([RequestState.open, RequestState.invited]),
            ]
        case "invited":
            return [_has_invitation(InvitationOutcome.pending)]
        case "accepted":
            return [
                PlacementRequest.state == RequestState.accepted,
                PlacementRequest.accepted_service_id == me,
            ]
        case "placed_elsewhere":
            # Only while the other service's acceptance stands: after a release the request
            # is back in the browse list.
            return [
                _has_invitation(InvitationOutcome.placed_elsewhere),
                PlacementRequest.state == RequestState.accepted,
                PlacementRequest.accepted_service_id != me,
            ]
        case "withdrawn":
            # Requests the school withdrew while this service had invited the pupil. (A
            # service's own withdrawn invitation is not here: that request is still in the
            # browse list, where the service may invite again.)
            return [
                _has_invitation(InvitationOutcome.request_withdrawn),
                PlacementRequest.state == RequestState.withdrawn,
            ]
    raise AssertionError(mine)


def _json_list_has_any(column: Any, name: str, count: int) -> Any:
    # The lists are stored as JSON arrays of fixed words; matching the quoted word in the
    # text is exact for them and runs the same on SQLite and PostgreSQL.
    text = cast(column, String)
    return or_(*(text.contains(bindparam(f"{name}_{n}")) for n in range(count)))


def _filters(shape: _Shape) -> list[Any]:
    conditions: list[Any] = []
    if shape.track:
        conditions.append(Campaign.track == bindparam("track"))
    if shape.campaign:
        conditions.append(PlacementRequest.campaign_id == bindparam("campaign_id"))
    if shape.province:
        conditions.append(PlacementRequest.province.in_(bindparam("province", expanding=True)))
    if shape.transport:
        conditions.append(
            _json_list_has_any(PlacementRequest.transport_modes, "transport", shape.transport)
        )
    if shape.days:
        conditions.append(_json_list_has_any(PlacementRequest.days, "day", shape.days))
    if shape.form:
        conditions.append(PlacementRequest.form == bindparam("form"))
    if shape.start_from:
        conditions.append(PlacementRequest.start_date >= bindparam("start_from"))
    if shape.start_to:
        conditions.append(PlacementRequest.start_date <= bindparam("start_to"))
    # Every word must appear in a name, the city or the postcode.
    columns = (
        PlacementRequest.first_name,
        PlacementRequest.last_name,
        PlacementRequest.city,
        PlacementRequest.postcode,
    )
    for n in range(shape.words):
        word = bindparam(f"word_{n}")
        conditions.append(or_(*(func.lower(c).like(word, escape="\\") for c in columns)))
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


def _bounding_box() -> Any:
    return and_(
        PlacementRequest.latitude.between(bindparam("south"), bindparam("north")),
        PlacementRequest.longitude.between(bindparam("west"), bindparam("east")),
    )


class _least(GenericFunction):  # noqa: N801 (SQL's name)
    """The smaller of two numbers: `least` on PostgreSQL, the two-argument `min` on SQLite."""

    type = Float()
    name = "least"
    inherit_cache = True


@compiles(_least, "sqlite")
def _least_on_sqlite(element: _least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


def _distance_sql() -> Any:
    """The haversine distance in km from the origin (bind parameters `origin_latitude`,
    `origin_longitude`, and `origin_cos`, the cosine of its latitude) to the request's
    coordinates, in SQL (`reference.postcodes.distance_km`'s formula); NULL without
    coordinates."""
    latitude, longitude = PlacementRequest.latitude, PlacementRequest.longitude
    origin_latitude = bindparam("origin_latitude", type_=Float())
    origin_longitude = bindparam("origin_longitude", type_=Float())
    half_chord = func.power(func.sin(func.radians(latitude - origin_latitude) / 2), 2) + (
        bindparam("origin_cos", type_=Float())
        * func.cos(func.radians(latitude))
        * func.power(func.sin(func.radians(longitude - origin_longitude) / 2), 2)
    )
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(_least(1.0, half_chord)))


def origin_values(origin: Origin) -> dict[str, float]:
    return {
        "origin_latitude": origin.latitude,
        "origin_longitude": origin.longitude,
        "origin_cos": math.cos(math.radians(origin.latitude)),
    }


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


@lru_cache(maxsize=512)
def _query(shape: _Shape, dialect: str) -> views.PageQuery:
    conditions = [*_scope(shape.mine), *_filters(shape)]
    order = _order(shape.sort)
    if shape.distance:
        distance = _distance_sql()
        if shape.max_km:
            conditions += [_bounding_box(), distance <= bindparam("max_km")]
        if shape.sort == "distance":
            # Unknown distances last; equal ones keep the newest-first order.
            order = [distance.is_(None), distance, *order]
    return views.page_query(conditions, order, dialect, plan_each_time=shape.distance)


def _values(actor: Actor, params: RequestListParams, origin: Origin | None) -> dict[str, Any]:
    """The bind parameters of `_query(_shape(params, origin))` for this request."""
    values: dict[str, Any] = {"me": actor.organisation_id, "now": clock.now()}
    if params.track:
        values["track"] = Track(params.track)
    if params.campaign_id:
        values["campaign_id"] = params.campaign_id
    if params.province:
        values["province"] = list(params.province)
    for name, chosen in (("transport", params.transport), ("day", params.days)):
        for n, value in enumerate(sorted(set(chosen or ()))):
            values[f"{name}_{n}"] = f'"{value}"'
    if params.form:
        values["form"] = params.form
    if params.start_from:
        values["start_from"] = params.start_from
    if params.start_to:
        values["start_to"] = params.start_to
    for n, word in enumerate(_words(params.q)):
        values[f"word_{n}"] = requests.like_pattern(word)
    if origin is not None:
        values.update(origin_values(origin))
        if params.max_km is not None:
            south, north, west, east = box_around(origin, params.max_km)
            values.update(south=south, north=north, west=west, east=east, max_km=params.max_km)
    return values


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
    query = _query(_shape(params, origin), session.bind.dialect.name)
    page, total = await views.page(session, query, _values(actor, params, origin), params)
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

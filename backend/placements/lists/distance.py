"""Distance from a service (or a postcode it names) to a pupil's postcode: a bounding box
that an index can serve, then the great-circle (haversine) distance in SQL.

Nearest first on PostgreSQL: each request's position as a point on the unit sphere (a `cube`,
`sphere_point`), which a GiST index holds (migration 0015); ordered by the straight (chord)
distance to the origin's point, the index is read nearest first and the page is read off it,
however many requests are near. The chord grows with the great-circle distance, so the order
is the haversine order; requests at one postcode share one point, so their ties stay ties."""

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, and_, bindparam, func, literal_column
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import UserDefinedType

from backend.auth.deps import Actor
from backend.errors import FieldError
from backend.placements.models import (
    PlacementRequest,
)
from backend.placements.params import RequestListParams
from backend.reference.postcodes import _EARTH_RADIUS_KM as EARTH_RADIUS_KM
from backend.reference.postcodes import distance_km, lookup_postcode

KM_PER_DEGREE_LATITUDE = 111.2


# A little slack on the box, so that no request inside the radius falls outside it.
BOX_MARGIN = 1.02


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float


def origin_of(actor: Actor, params: RequestListParams) -> Origin | None:
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


def bounding_box() -> Any:
    return and_(
        PlacementRequest.latitude.between(bindparam("south"), bindparam("north")),
        PlacementRequest.longitude.between(bindparam("west"), bindparam("east")),
    )


class _Cube(UserDefinedType[Any]):
    """PostgreSQL's `cube` (extension): the points on the sphere."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "cube"


_CUBE = _Cube()


def sphere_point() -> Any:
    """PostgreSQL: the request's position as a point on the unit sphere; exactly the
    expression migration 0015 indexes (`SPHERE_POINT`), or the planner cannot use the index."""
    latitude = func.radians(PlacementRequest.latitude)
    longitude = func.radians(PlacementRequest.longitude)
    # One coordinate at a time: NULL without coordinates (an array holding NULLs is an error).
    x = func.cos(latitude) * func.cos(longitude)
    y = func.cos(latitude) * func.sin(longitude)
    z = func.sin(latitude)
    return func.cube(func.cube(func.cube(x, type_=_CUBE), y, type_=_CUBE), z, type_=_CUBE)


def _floats(name: str) -> Any:
    return bindparam(name, type_=ARRAY(Float()))


def chord_to_origin() -> Any:
    """PostgreSQL: the chord from the origin's point (bind parameter `origin_point`) to the
    request's, which the GiST index orders by (KNN); NULL without coordinates."""
    return sphere_point().op("<->", return_type=Float())(
        func.cube(_floats("origin_point"), type_=_CUBE)
    )


def nearest_first(dialect: str) -> list[Any]:
    """The order keys of nearest first, unknown distances last. PostgreSQL: the chord, which
    the GiST index gives in order (its NULLs come last, as ascending NULLs do)."""
    if dialect == "postgresql":
        return [chord_to_origin()]
    distance = distance_sql()
    return [distance.is_(None), distance]


class _least(GenericFunction[float]):  # noqa: N801 (SQL's name)
    """The smaller of two numbers: `least` on PostgreSQL, the two-argument `min` on SQLite."""

    type = Float()
    name = "least"
    inherit_cache = True


@compiles(_least, "sqlite")
def _least_on_sqlite(element: _least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


# Constants are written into the statement, not bound: PostgreSQL folds them once when it
# plans, where a bound one is cast again for each request the filter reads.
_TWO = literal_column("2.0", Float())


def _half_chord() -> Any:
    """The haversine of the angle between the origin (bind parameters `origin_latitude`,
    `origin_longitude`, and `origin_cos`, the cosine of its latitude) and the request's
    coordinates (`reference.postcodes.distance_km`'s formula); NULL without coordinates."""
    latitude, longitude = PlacementRequest.latitude, PlacementRequest.longitude
    origin_latitude = bindparam("origin_latitude", type_=Float())
    origin_longitude = bindparam("origin_longitude", type_=Float())
    return func.power(func.sin(func.radians(latitude - origin_latitude) / _TWO), _TWO) + (
        bindparam("origin_cos", type_=Float())
        * func.cos(func.radians(latitude))
        * func.power(func.sin(func.radians(longitude - origin_longitude) / _TWO), _TWO)
    )


def distance_sql() -> Any:
    """The haversine distance in km from the origin to the request's coordinates, in SQL;
    NULL without coordinates."""
    diameter = literal_column(repr(2 * EARTH_RADIUS_KM), Float())
    return diameter * func.asin(func.sqrt(_least(literal_column("1.0", Float()), _half_chord())))


def within_radius() -> Any:
    """Whether the request is within the radius (bind parameter `max_half_chord`:
    `radius_values`) of the origin: its haversine compared with the radius's, which orders
    as the distance does, with no arc sine or square root for each request."""
    return _half_chord() <= bindparam("max_half_chord", type_=Float())


def radius_values(max_km: float) -> dict[str, Any]:
    """The bind parameter of `within_radius`: the haversine of `max_km`'s angle."""
    angle = min(max_km / (2 * EARTH_RADIUS_KM), math.pi / 2)
    return {"max_half_chord": math.sin(angle) ** 2}


def _unit_vector(origin: Origin) -> list[float]:
    latitude, longitude = math.radians(origin.latitude), math.radians(origin.longitude)
    return [
        math.cos(latitude) * math.cos(longitude),
        math.cos(latitude) * math.sin(longitude),
        math.sin(latitude),
    ]


def origin_values(origin: Origin) -> dict[str, Any]:
    return {
        "origin_latitude": origin.latitude,
        "origin_longitude": origin.longitude,
        "origin_cos": math.cos(math.radians(origin.latitude)),
        "origin_point": _unit_vector(origin),
    }


def distance_to(
    origin: Origin | None, latitude: float | None, longitude: float | None
) -> float | None:
    if origin is None or latitude is None or longitude is None:
        return None
    return distance_km(origin.latitude, origin.longitude, latitude, longitude)

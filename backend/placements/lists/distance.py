"""Distance from a service (or a postcode it names) to a pupil's postcode: a bounding box
that an index can serve, then the great-circle (haversine) distance in SQL."""

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, and_, bindparam, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

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


class _least(GenericFunction[float]):  # noqa: N801 (SQL's name)
    """The smaller of two numbers: `least` on PostgreSQL, the two-argument `min` on SQLite."""

    type = Float()
    name = "least"
    inherit_cache = True


@compiles(_least, "sqlite")
def _least_on_sqlite(element: _least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


def distance_sql() -> Any:
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


def distance_to(
    origin: Origin | None, latitude: float | None, longitude: float | None
) -> float | None:
    if origin is None or latitude is None or longitude is None:
        return None
    return distance_km(origin.latitude, origin.longitude, latitude, longitude)

"""A service's view of the requests: the browse list (`access.listed_to_services`: open and
invited requests of campaigns in their request or decision phase, with filters, distance and
sorting) and its own lists (`mine=`); every one of them within `access.readable_by`.

Distance: every request stores its postcode's coordinates. A bounding box narrows the rows in
SQL (plain comparisons, which an index can serve), then the great-circle (haversine) distance
is computed in SQL too, for the filter and the `distance` sort, so that only the page's rows
leave the database (SQLite has the math functions since 3.35; `least` is its `min`). On
PostgreSQL nearest first reads a GiST index in order of distance instead of sorting
(`_among_the_nearest`, lists/distance.py), and best fit first reads the candidates from it
nearest first until its page is certain (`_best_first`). The statements issued do not depend
on the number of rows; best fit first's reads double until the page is certain, so their
number grows at most with the logarithm of the candidates read."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    String,
    Uuid,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.auth.actor import Actor
from backend.campaigns.models import Campaign, Track
from backend.db import dialect_of
from backend.organisations.models import ServicePreferences
from backend.placements import fit
from backend.placements.lists import search, sync
from backend.placements.lists.distance import (
    Origin,
    bounding_box,
    box_around,
    chord_to_origin,
    distance_to,
    nearest_first,
    origin_of,
    origin_values,
    radius_values,
    within_radius,
)
from backend.placements.models import (
    PlacementRequest,
)
from backend.placements.params import RequestListParams
from backend.placements.reading import view as views
from backend.placements.reading.access import (
    listed_to_services,
    own_list,
    status_column,
    viewer_values,
)
from backend.placements.reading.disclosure import respond_many
from backend.placements.reading.view import RequestView
from backend.reference.postcodes import all_postcodes
from backend.schemas import CursorPage

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
    terms: tuple[search.TermKind, ...]  # the kind of each term of `q` (lists/search.py)
    distance: bool
    max_km: bool
    sort: str
    after: bool  # a sync's position (lists/sync.py)


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
        terms=tuple(kind for kind, _ in search.terms(params.q)),
        distance=origin is not None,
        max_km=origin is not None and params.max_km is not None,
        sort="updated" if sync.is_sync(params) else params.sort or "newest",
        after=bool(params.cursor or params.updated_since),
    )


def _scope(mine: str | None) -> list[Any]:
    """Which requests the list holds: the browse list, or one of the service's own lists;
    together they are `readable_by(service)`, written there."""
    if mine is None:
        return [listed_to_services()]
    return [own_list(mine)]


def _json_list_has_any(column: Any, name: str, count: int) -> Any:
    # The lists are stored as JSON arrays of fixed words; matching the quoted word in the
    # text is exact for them and runs the same on SQLite and PostgreSQL.
    text = cast(column, String)
    return or_(*(text.contains(bindparam(f"{name}_{n}")) for n in range(count)))


def _filters(shape: _Shape, dialect: str) -> list[Any]:
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
    # Every term of `q` must match (lists/search.py).
    conditions += [search.matches(kind, f"term_{n}", dialect) for n, kind in enumerate(shape.terms)]
    return conditions


def _order(sort: str) -> list[Any]:
    keys: list[Any]
    match sort:
        case "updated":
            return list(sync.ORDER)
        case "oldest":
            keys = [PlacementRequest.created_at.asc()]
        case "name":
            keys = [PlacementRequest.last_name.asc(), PlacementRequest.first_name.asc()]
        case "start_date":
            keys = [PlacementRequest.start_date.asc().nulls_last()]
        case "status":
            keys = [status_column().asc()]
        case _:  # newest; distance sorts by the distance first, then in this order
            keys = [PlacementRequest.created_at.desc()]
    # A total order, so pages never overlap or skip.
    if sort not in ("newest", "oldest"):
        keys.append(PlacementRequest.created_at.desc())
    return [*keys, PlacementRequest.id.asc()]


@lru_cache(maxsize=512)
def _query(shape: _Shape, dialect: str) -> views.PageQuery:
    conditions = [*_scope(shape.mine), *_filters(shape, dialect)]
    if shape.after:
        conditions.append(sync.after())
    order = _order(shape.sort)
    if shape.distance:
        nearest = shape.sort == "distance"
        if nearest and dialect == "postgresql":
            # Before the radius: the requests within it are the first of the nearest.
            conditions.append(_among_the_nearest(conditions))
        if shape.max_km:
            conditions += [bounding_box(), within_radius()]
        if nearest:
            # Unknown distances last; equal ones keep the newest-first order.
            order = [*nearest_first(dialect), *order]
    # Where the values decide the plan (how many requests are near, how many hold a word),
    # each call is planned for its own (reading/view.py).
    plan_each_time = shape.max_km or shape.sort == "distance" or bool(shape.terms)
    return views.page_query(
        conditions,
        order,
        dialect,
        plan_each_time=plan_each_time,
        own_only=True,
        total_bound=views.SEARCH_TOTAL_BOUND if shape.terms else views.TOTAL_BOUND,
    )


def _among_the_nearest(conditions: list[Any]) -> Any:
    """PostgreSQL, nearest first: the request is among the first `count_limit` matches in
    the list's order, found on the GiST index (migration 0015). The index gives the order of
    the distance alone (PostgreSQL 15 sorts no further key on top of a KNN scan), so its walk
    takes the first `count_limit` and every request as near as the last (WITH TIES), and
    these few are ordered completely (equal distances newest first, then by id) and cut to
    `count_limit`: every row of the page and of the bounded total is among them.
    `conditions` hold no radius (`max_km`): the requests within it come first in this
    order, so the walk of the index never goes past `count_limit` requests (a box of `cube`
    as an index condition would be estimated at a fixed 0.1 % of the requests, and
    PostgreSQL would then read every request in the box and sort them)."""
    chord = chord_to_origin()
    ties = (
        select(PlacementRequest.id, PlacementRequest.created_at, chord.label("chord"))
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(*conditions)
        .order_by(chord)
        .fetch(bindparam("count_limit"), with_ties=True)
        .correlate(None)
        .subquery("nearest")
    )
    first = (
        select(ties.c.id)
        .order_by(ties.c.chord, ties.c.created_at.desc(), ties.c.id)
        .limit(bindparam("count_limit"))
        .correlate(None)
    )
    # As an array, computed once: the requests are then looked up by id (`IN (subquery)`
    # can make a join of it that reads the whole table).
    return PlacementRequest.id == any_(func.array(first.scalar_subquery()))


def _values(
    actor: Actor, params: RequestListParams, origin: Origin | None, dialect: str
) -> dict[str, Any]:
    """The bind parameters of `_query(_shape(params, origin), dialect)` for this request."""
    values: dict[str, Any] = viewer_values(actor)
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
    for n, (kind, term) in enumerate(search.terms(params.q)):
        values[f"term_{n}"] = search.value(kind, term, dialect)
    if origin is not None:
        values.update(origin_values(origin))
        if params.max_km is not None:
            south, north, west, east = box_around(origin, params.max_km)
            values.update(south=south, north=north, west=west, east=east)
            values.update(radius_values(params.max_km))
    return values


async def list_for_service(
    session: AsyncSession, actor: Actor, params: RequestListParams
) -> CursorPage[dict[str, Any]]:
    """The service's browse list (or own list with `mine=`), filtered, sorted, paginated (in
    a sync, in order of change after its position); each item as the service may see it,
    with its distance in km when known."""
    if params.sort == "fit" and params.mine is None and not sync.is_sync(params):
        return await _by_fit(session, actor, params)
    begin = sync.start(params) if sync.is_sync(params) else None
    origin = origin_of(actor, params)
    dialect = dialect_of(session)
    query = _query(_shape(params, origin), dialect)
    values = {**_values(actor, params, origin, dialect), **sync.values(begin)}
    page, total = await views.load_page(session, query, values, params)
    items = await respond_many(session, actor, page, via="list")
    for view, item in zip(page, items, strict=True):
        distance = distance_to(origin, view.latitude, view.longitude)
        if distance is not None:
            item["distance_km"] = round(distance, 1)
    return sync.page_of(params, items, page, total, begin)


# --- the browse list by fit (sort=fit) -----------------------------------------------------
# The candidates' features (narrow columns, the days and modes of transport as bitmasks
# computed in SQL) are read postcode by postcode, nearest first, each postcode's newest first,
# and scored in one numpy pass (placements/fit.py), until no unread candidate can enter the
# page (`_best_first`). A request's coordinates are its postcode's (school/validation.py), so
# a postcode's requests share a distance and a bound, `fit.best_possible` there. Then only the
# page's views are loaded by id. On PostgreSQL the index on postcode and age gives each
# postcode's newest (migration 0016): a page reads about as many candidates whatever the
# number of requests, however many tie at one postcode (docs/DECISIONS.md, "Best fit first,
# postcode by postcode").


def _mask_sql(column: Any, vocabulary: tuple[str, ...]) -> Any:
    text = cast(column, String)
    return sum(
        (case((text.contains(f'"{word}"'), 1 << n), else_=0) for n, word in enumerate(vocabulary)),
        start=cast(0, Integer),
    )


def feature_columns() -> list[Any]:
    """What the fit score reads of a request (placements/fit.py), narrow: its coordinates,
    hours, start date, and its days and modes of transport as bitmasks. The browse list's
    `sort=fit` and the admin's proposal read the same."""
    return [
        PlacementRequest.id,
        PlacementRequest.latitude,
        PlacementRequest.longitude,
        PlacementRequest.hours_per_week,
        PlacementRequest.start_date,
        _mask_sql(PlacementRequest.days, fit.DAYS).label("days"),
        _mask_sql(PlacementRequest.transport_modes, fit.TRANSPORT).label("transport"),
    ]


def candidates_of(rows: Sequence[Any], distance_km: Any) -> fit.Candidates:
    """The fit score's arrays from rows of `feature_columns`, with their distances."""
    return fit.Candidates(
        distance_km=distance_km,
        days=np.array([r.days for r in rows], dtype=np.int64),
        hours=np.array([r.hours_per_week for r in rows], dtype=float),
        start=np.array([fit.day_number(r.start_date) for r in rows], dtype=float),
        transport=np.array([r.transport for r in rows], dtype=np.int64),
    )


def coordinates_of(rows: Sequence[Any]) -> tuple[Any, Any]:
    latitude = np.array([np.nan if r.latitude is None else r.latitude for r in rows])
    longitude = np.array([np.nan if r.longitude is None else r.longitude for r in rows])
    return latitude, longitude


@lru_cache(maxsize=256)
def _features_query(shape: _Shape, dialect: str) -> Select[Any]:
    """The candidates' features (`feature_columns`), age and postcode; with a distance, those
    at the postcodes `codes`, on PostgreSQL the newest `limits[n]` at `codes[n]` (the index
    on postcode and age gives them: `LATERAL`), and with `max_km` whether each is `within`
    it; without a distance, all of them."""
    conditions = [*_scope(None), *_filters(shape, dialect)]
    columns = [*feature_columns(), PlacementRequest.created_at, PlacementRequest.postcode]
    if shape.max_km:
        columns.append(within_radius().label("within"))
    query = (
        select(*columns)
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(*conditions)
    )
    if not shape.distance:
        return query
    if dialect != "postgresql":
        # SQLite reads every candidate of the postcodes asked: correct, not flat.
        return query.where(PlacementRequest.postcode.in_(bindparam("codes", expanding=True)))
    place = (
        func.unnest(
            bindparam("codes", type_=ARRAY(String())),
            bindparam("limits", type_=ARRAY(Integer())),
            bindparam("before", type_=ARRAY(DateTime(timezone=True))),
            bindparam("after_id", type_=ARRAY(Uuid())),
        )
        .table_valued("code", "k", "before", "after_id", name="place")
        .render_derived(with_types=False)
    )
    # A postcode asked again: its requests after the last one read (`_last_of`).
    before = func.coalesce(place.c.before, cast(literal("infinity"), DateTime(timezone=True)))
    newest = (
        query.where(
            PlacementRequest.postcode == place.c.code,
            PlacementRequest.created_at <= before,
            or_(
                PlacementRequest.created_at < before,
                place.c.after_id.is_(None),
                PlacementRequest.id > place.c.after_id,
            ),
        )
        .order_by(PlacementRequest.created_at.desc(), PlacementRequest.id)
        .limit(place.c.k)
        .lateral("found")
    )
    return select(newest).select_from(place).join(newest, true())


@lru_cache(maxsize=8)
def _by_id_query(dialect: str) -> Select[Any]:
    conditions = [*_scope(None), PlacementRequest.id.in_(bindparam("ids", expanding=True))]
    return views.all_query(conditions, (), dialect, own_only=True)


def preferences_of(found: ServicePreferences | None) -> fit.Preferences:
    """A service's stated preferences as the fit score reads them (none: distance only)."""
    if found is None:
        return fit.Preferences()
    return fit.Preferences(
        days=frozenset(found.days),
        hours_min=found.hours_min,
        hours_max=found.hours_max,
        start_from=found.start_from,
        start_until=found.start_until,
        max_distance_km=found.max_distance_km,
        transport_modes=frozenset(found.transport_modes),
    )


@dataclass(frozen=True)
class _Read:
    """The candidates read, and their scores."""

    rows: Sequence[Any]
    candidates: fit.Candidates
    scored: fit.Fit


def _scored(rows: Sequence[Any], origin: Origin | None, preferences: fit.Preferences) -> _Read:
    if origin is None:
        distance = np.full(len(rows), np.nan)
    else:
        latitude, longitude = coordinates_of(rows)
        distance = fit.distances_km(latitude, longitude, origin.latitude, origin.longitude)
    candidates = candidates_of(rows, distance)
    return _Read(rows, candidates, fit.score(candidates, preferences))


@lru_cache(maxsize=1)
def _postcodes() -> tuple[tuple[str, ...], Any, Any]:
    """Every postcode and its coordinates (NaN where it has none), as arrays."""
    found = all_postcodes()
    return (tuple(info.code for info in found), *coordinates_of(found))


# A postcode as far as `max_km` by numpy's haversine may hold requests within it by SQL's.
_RADIUS_SLACK_KM = 0.001


def _postcodes_nearest(origin: Origin, max_km: float | None) -> tuple[list[str], Any]:
    """The postcodes nearest first (those without coordinates last; within `max_km` only),
    and their distances from `origin`, computed as the candidates' (`_scored`)."""
    codes, latitude, longitude = _postcodes()
    distance = fit.distances_km(latitude, longitude, origin.latitude, origin.longitude)
    order = np.argsort(distance, kind="stable")  # NaN last
    if max_km is not None:
        order = order[distance[order] <= max_km + _RADIUS_SLACK_KM]
    return [codes[i] for i in order], distance[order]


def _first_ask(params: RequestListParams) -> tuple[int, int]:
    """How many postcodes the first read asks, and how many candidates of each: the page's
    end (the newest of a postcode of equal best scores make its page)."""
    return 4, params.offset + params.page_size


async def _best_first(
    connection: AsyncConnection,
    shape: _Shape,
    values: dict[str, Any],
    origin: Origin | None,
    preferences: fit.Preferences,
    params: RequestListParams,
    total: views.Total,
) -> tuple[list[Any], Any]:
    """The candidates that can be on the page (the first `wanted` by fit) and their scores,
    read postcode by postcode nearest first (the requests of a postcode share its
    coordinates, so its distance), each postcode's newest first; without a distance, all.

    Each read asks, in one statement, for the next postcodes (twice as many each time) and
    for as many again of the postcodes read where more could be on the page (after the last
    one read there: `_last_of`); it stops when none can, or when all `total` are read. A
    candidate at an unread postcode scores at most `fit.best_possible` at its distance (its
    bound), so it comes after every candidate that scores more; one not read at a postcode
    read is older than those read there, so it also comes after those that score the bound
    (`_ahead_of_unread`). Once `wanted` come before them, none of them can be on the page,
    and no more of a postcode is asked for than could be. A tie with the page's last score
    could still come first, newer: so "more", never "as much"."""
    query = _features_query(shape, connection.dialect.name)
    if origin is None:
        rows = (await connection.execute(query, values)).all()
        return rows, _scored(rows, None, preferences).scored.score
    codes, distance = _postcodes_nearest(origin, params.max_km)
    bound = dict(zip(codes, fit.best_possible(distance, preferences).tolist(), strict=True))
    batch, per_postcode = _first_ask(params)
    wanted = params.offset + params.page_size
    # Each postcode's candidates read (newest first) and their scores; SQLite reads them all.
    found: dict[str, tuple[list[Any], Any]] = {}
    limited = connection.dialect.name == "postgresql"
    asked: dict[str, int] = dict.fromkeys(codes[:batch], per_postcode)
    unasked = batch
    while True:
        after = [_last_of(found[code][0]) if code in found else (None, None) for code in asked]
        rows = (
            await connection.execute(
                query,
                {
                    **values,
                    "codes": list(asked),
                    "limits": list(asked.values()),
                    "before": [at for at, _ in after],
                    "after_id": [last for _, last in after],
                },
            )
        ).all()
        got: dict[str, list[Any]] = {code: [] for code in asked}
        for row in rows:
            got[row.postcode].append(row)
        # A postcode's requests share its distance: with a radius, all within it or none.
        if shape.max_km:
            got = {code: [r for r in its if r.within] for code, its in got.items()}
        # More may be unread where a postcode gave as many as asked (within the radius).
        more = {code for code, its in got.items() if limited and len(its) == asked[code]}
        scores = _scored([r for its in got.values() for r in its], origin, preferences).scored.score
        start = 0
        for code, its in got.items():
            earlier, earlier_scores = found.get(code, ([], scores[:0]))
            found[code] = (
                earlier + its,
                np.concatenate([earlier_scores, scores[start:][: len(its)]]),
            )
            start += len(its)
        everything = [r for its, _ in found.values() for r in its]
        if not total.is_estimate and len(everything) >= total.count:
            break  # every candidate
        ranked = np.sort(np.concatenate([s for _, s in found.values()]))

        def room(code: str, ranked: Any = ranked) -> int:
            """How many of the page's places a candidate not read at `code` could take."""
            return wanted - _ahead_of_unread(ranked, bound[code], found.get(code))

        # A postcode read is asked again, as many again, while there is room for more of it;
        # the next postcodes (twice as many each time) for as many as there is room for.
        again = {code: len(found[code][0]) for code in more if room(code) > 0}
        if unasked < len(codes) and room(codes[unasked]) > 0:
            batch *= 2
            for code in codes[unasked : unasked + batch]:
                if room(code) > 0:
                    again[code] = min(per_postcode, room(code))
            unasked += batch
        if not again:
            break
        asked = again
    return everything, np.concatenate([s for _, s in found.values()])


def _ahead_of_unread(ranked: Any, bound: int, read_there: tuple[list[Any], Any] | None) -> int:
    """How many candidates read come before every one not read at a postcode of `bound`:
    those that score above it (`ranked`: every score read, ascending), and those read there
    that score it (newer than any not read there)."""
    above = len(ranked) - int(np.searchsorted(ranked, bound, "right"))
    if read_there is None:
        return above
    return above + int((read_there[1] >= bound).sum())


def _last_of(rows: list[Any]) -> tuple[Any, Any]:
    """The position of the last of `rows` in a postcode's order (newest first, then by id):
    the next read of the postcode starts after it."""
    oldest = min(row.created_at for row in rows)
    return oldest, max(row.id for row in rows if row.created_at == oldest)


async def _total(
    connection: AsyncConnection, shape: _Shape, values: dict[str, Any], params: RequestListParams
) -> views.Total:
    """How many candidates the list by fit holds: the browse list's total (newest first)."""
    limit = views.count_limit(params)
    count = _query(replace(shape, sort="newest"), connection.dialect.name).count
    counted = (await connection.execute(count, {**values, "count_limit": limit})).scalar()
    return views.bounded(counted or 0, limit)


async def _by_fit(
    session: AsyncSession, actor: Actor, params: RequestListParams
) -> CursorPage[dict[str, Any]]:
    """The browse list, best fit first (then newest, then by id: a total order), each item
    with its `fit`; within the service's maximum distance unless `max_km` says otherwise."""
    stated = await session.get(ServicePreferences, actor.organisation_id)
    preferences = preferences_of(stated)
    origin = origin_of(actor, params)
    if params.max_km is None and preferences.max_distance_km is not None and origin is not None:
        params = params.model_copy(update={"max_km": preferences.max_distance_km})
    shape = _shape(params, origin)
    dialect = dialect_of(session)
    values = _values(actor, params, origin, dialect)
    connection = await session.connection()
    if origin is not None:
        # How far the walk goes depends on the origin and the limit (reading/view.py).
        await views.plan_each_time(connection)
    total = await _total(connection, shape, values, params)
    rows, scores = await _best_first(connection, shape, values, origin, preferences, params, total)
    # Best score first; equal scores newest first, then by id (np.lexsort: last key first).
    newest = np.array([-r.created_at.timestamp() for r in rows])
    ids = np.array([str(r.id) for r in rows])
    order = np.lexsort((ids, newest, -scores)) if rows else np.array([], dtype=int)
    chosen = [rows[i] for i in order[params.offset : params.offset + params.page_size]]
    found: dict[Any, RequestView] = {}
    if chosen:
        loaded = await views.load_all(
            session,
            _by_id_query(dialect),
            {**viewer_values(actor), "ids": [row.id for row in chosen]},
        )
        found = {view.id: view for view in loaded}
    page = [found[row.id] for row in chosen if row.id in found]
    items = await respond_many(session, actor, page, via="list")
    # The page's rows scored again, for their reasons (the same score: the same function).
    read = _scored(chosen, origin, preferences)
    position = {row.id: i for i, row in enumerate(chosen)}
    for view, item in zip(page, items, strict=True):
        i = position[view.id]
        distance = read.candidates.distance_km[i]
        if not np.isnan(distance):
            item["distance_km"] = round(float(distance), 1)
        item["fit"] = {
            "score": int(read.scored.score[i]),
            "reasons": fit.reasons(read.scored, i, read.candidates, preferences),
        }
    return sync.page_of(params, items, page, total, None)


_ACCEPTED_ORDER = (
    Campaign.school_year.desc(),
    PlacementRequest.last_name,
    PlacementRequest.first_name,
    PlacementRequest.id,
)


@lru_cache(maxsize=8)
def _accepted_query(track: bool, dialect: str) -> Select[Any]:
    conditions = [own_list("accepted")]
    if track:
        conditions.append(Campaign.track == bindparam("track"))
    return views.all_query(conditions, _ACCEPTED_ORDER, dialect, own_only=True)


async def accepted_by(
    session: AsyncSession, actor: Actor, track: str | None = None
) -> list[RequestView]:
    """The requests the service has accepted (for its export), by campaign and name."""
    values = viewer_values(actor)
    if track:
        values["track"] = Track(track)
    query = _accepted_query(bool(track), dialect_of(session))
    return await views.load_all(session, query, values)

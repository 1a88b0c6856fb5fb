"""A care service's browse list stays on its indexes as the data grows (issue 17): each
variant's statement, captured from the app as it runs it, is planned by PostgreSQL over a
big table (EXPLAIN with the same values) without a sequential scan of the requests. So a
later change to the statements, or to the migrations, cannot lose an index silently.

PostgreSQL only: SQLite plans differently and stays correct without these guarantees."""

import json
from typing import Any

import pytest
from sqlalchemy import event, text

from backend.placements.reading.view import SEARCH_TOTAL_BOUND, TOTAL_BOUND
from backend.reference.postcodes import all_postcodes, distance_km
from tests import factories
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's planner")

URL = "/api/v1/placement-requests"
ROWS = 100_000
# (postcode, city, latitude, longitude): pupils spread over Flanders, a few in Brugge, each
# place's over its postcode and the nine nearest (`_postcodes`), as real pupils live at
# hundreds of postcodes: PostgreSQL then reads one postcode's newest by their index.
PLACES = (
    ("8000", "Brugge", 51.2093, 3.2247),
    ("8400", "Oostende", 51.2154, 2.9286),
    ("8500", "Kortrijk", 50.8282, 3.2649),
    ("9000", "Gent", 51.0543, 3.7174),
    ("9300", "Aalst", 50.9378, 4.0403),
    ("2000", "Antwerpen", 51.2194, 4.4025),
    ("2800", "Mechelen", 51.0259, 4.4776),
    ("3000", "Leuven", 50.8798, 4.7005),
    ("3500", "Hasselt", 50.9307, 5.3325),
    ("3600", "Genk", 50.9650, 5.5008),
    ("1000", "Brussel", 50.8503, 4.3517),
    ("8800", "Roeselare", 50.9465, 3.1227),
    ("2300", "Turnhout", 51.3227, 4.9447),
    ("9100", "Sint-Niklaas", 51.1650, 4.1437),
    ("8900", "Ieper", 50.8503, 2.8851),
    ("3290", "Diest", 50.9896, 5.0506),
    ("9200", "Dendermonde", 51.0286, 4.1009),
    ("2400", "Mol", 51.1910, 5.1160),
    ("8300", "Knokke-Heist", 51.3500, 3.2660),
    ("9700", "Oudenaarde", 50.8455, 3.6103),
)

# Each variant of the browse list the issue names, as a service asks for it (distances from
# its own postcode, 8000), and the index its statement must read the requests through.
NEWEST = "ix_placement_request_created_at"
TOWN = "ix_placement_request_city_created_at"
POSTCODE = "ix_placement_request_postcode_created_at"
WORDS = "ix_placement_request_search"
SYNC = "ix_placement_request_updated_at_id"
# Nearest first: the GiST index of the points on the sphere, read in order (migration 0015).
NEAREST = "ix_placement_request_position"
VARIANTS: dict[str, tuple[dict[str, Any], str | tuple[str, ...]]] = {
    "within 25 km": ({"max_km": 25, "page_size": 50}, NEWEST),
    "all": ({"page_size": 50}, NEWEST),
    # A town (1 request in 20) or a postcode: its requests newest first from its index, or,
    # as common as this, walking newest first (lists/search.py); which is the planner's call.
    "text search, a town": ({"q": "brugge", "page_size": 50}, (TOWN, NEWEST)),
    "text search, a postcode": ({"q": "8000", "page_size": 50}, (POSTCODE, NEWEST)),
    # A pupil's name (11 requests): looked up in the full-text index, which holds each word
    # once, so the common "leerling" costs nothing.
    "text search, a pupil's name": ({"q": "leerling1234", "page_size": 5}, WORDS),
    "text search, a name and a town": ({"q": "leerling12 brugge", "page_size": 5}, WORDS),
    "deep page": ({"page": 20, "page_size": 50}, NEWEST),
    "within 25 km, deep page": ({"max_km": 25, "page": 20, "page_size": 50}, NEWEST),
    "oldest first": ({"sort": "oldest", "page_size": 50}, NEWEST),
    # An integration's sync, in order of change: from the start, and after a moment.
    "sync": ({"sort": "updated", "page_size": 50}, SYNC),
    "sync since a moment": ({"updated_since": "2026-01-01T00:00:00Z", "page_size": 50}, SYNC),
    "nearest first": ({"sort": "distance", "page_size": 50}, NEAREST),
    "within 25 km, nearest first": ({"max_km": 25, "sort": "distance", "page_size": 50}, NEAREST),
    "nearest first, deep page": ({"sort": "distance", "page": 20, "page_size": 50}, NEAREST),
    # Best fit first: each postcode's newest candidates, postcode by postcode nearest first,
    # as many as make the page certain (the 500 at the service's postcode tie at the best
    # score: its newest 50).
    "best fit first": ({"sort": "fit", "page_size": 50}, POSTCODE),
    "within 25 km, best fit first": ({"max_km": 25, "sort": "fit", "page_size": 50}, POSTCODE),
}


def _postcodes(code: str, latitude: float, longitude: float) -> list[str]:
    """The postcode and the nine nearest to it."""
    others = sorted(
        (distance_km(latitude, longitude, info.latitude, info.longitude), info.code)
        for info in all_postcodes()
        if info.latitude is not None and info.longitude is not None and info.code != code
    )
    return [code, *(other for _, other in others[:9])]


async def _many_requests(db, *, campaign_id, school_id, supervisor_id) -> None:
    """ROWS listed requests in one statement (the server generates them), then ANALYZE, in
    the test's transaction: the planner sees the statistics, the rollback removes all. A
    hundred and fifty family names, as real names are varied: with fewer than a hundred
    common words in the search index PostgreSQL guesses any prefix query at 2 % of the rows."""
    places = ", ".join(
        f"('{code}', '{c}', {lat}, {lon})"
        for p, c, lat, lon in PLACES
        for code in _postcodes(p, lat, lon)
    )
    await db.execute(
        text(
            f"""
            INSERT INTO placement_request (
                id, campaign_id, school_id, supervisor_id, first_name, last_name,
                national_number_encrypted, national_number_hash, street, postcode, city,
                province, latitude, longitude, phone, email, transport_modes, hours_per_week,
                days, state, version, created_at, updated_at)
            SELECT gen_random_uuid(), :campaign, :school, :supervisor, 'Leerling' || n,
                'Familie' || n % 150, 'x', md5(n::text), 'Kerkstraat 1', place.postcode, place.city,
                'BE-VWV', place.latitude, place.longitude, '+32470123456',
                'leerling' || n || '@example.be', '["bike"]', 24, '["mon"]',
                CASE WHEN n % 5 = 0 THEN 'invited' ELSE 'open' END, 1,
                now() - n * interval '1 minute', now()
            FROM generate_series(1, {ROWS}) AS n
            JOIN (SELECT row_number() OVER () - 1 AS k, *
                  FROM (VALUES {places}) AS v(postcode, city, latitude, longitude)) AS place
              ON place.k = n % {10 * len(PLACES)}
            """  # noqa: S608 (constants only)
        ),
        {"campaign": campaign_id, "school": school_id, "supervisor": supervisor_id},
    )
    await db.execute(text("ANALYZE placement_request"))
    await db.execute(text("ANALYZE campaign"))


def _scans(plan: dict) -> list[tuple[str, str | None, str | None]]:
    """Every node of a JSON plan: (node type, relation, index)."""
    found = [(plan["Node Type"], plan.get("Relation Name"), plan.get("Index Name"))]
    for child in plan.get("Plans", ()):
        found += _scans(child)
    return found


async def _page_plan(client, db, engine, params: dict[str, Any]) -> tuple[dict, list]:
    """The page the service gets for `params`, and the plan of the statement that read it,
    captured from the app and explained with the same values."""
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        response = await client.get(URL, params=params)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.text
    if params.get("sort") == "fit":
        # Best fit first's last read of the candidates, by postcode (lists/browse.py).
        statement, parameters = [(s, p) for s, p in captured if "LATERAL" in s][-1]
    else:
        # The page's statement: the one that reads the invitations along (json_agg).
        statement, parameters = next((s, p) for s, p in captured if "json_agg" in s)
    connection = await db.connection()
    if {"max_km", "q"} & params.keys() or params.get("sort") in ("distance", "fit"):
        # As the app plans it (reading/view.py, `plan_each_time`).
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    result = await connection.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + statement, tuple(parameters)
    )
    raw = result.scalar_one()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    await connection.exec_driver_sql("SET LOCAL plan_cache_mode = auto")
    return response.json(), _scans(plan)


async def test_each_browse_variant_uses_an_index_and_the_total_is_bounded(
    service_client, school_client, db, engine
):
    # One big table for every check (building it is what takes the time).
    school_id = school_client.account.organisation_id
    campaign = await factories.campaign(db, phase="decisions_open")
    supervisor = await factories.supervisor(db, school_id)
    await _many_requests(
        db, campaign_id=campaign.id, school_id=school_id, supervisor_id=supervisor.id
    )

    failures = {}
    for variant, (params, index) in VARIANTS.items():
        page, nodes = await _page_plan(service_client, db, engine, params)
        assert len(page["items"]) == params["page_size"], variant
        sequential = [n for n in nodes if n[0] == "Seq Scan" and n[1] == "placement_request"]
        # No sequential scan of the requests, and they are read through the variant's index
        # (a bitmap's index scan names its index, not its table: the names are the table's).
        wanted = (index,) if isinstance(index, str) else index
        if sequential or not any(n[2] in wanted for n in nodes):
            failures[variant] = nodes
    assert not failures, json.dumps(failures)

    # Past TOTAL_BOUND matches the total says "more than" (`total_is_estimate`).
    everything = (await service_client.get(URL, params={"page_size": 50})).json()
    assert (everything["total"], everything["total_is_estimate"]) == (TOTAL_BOUND, True)
    # A page past the bound counts on to its end, and still knows there are more.
    far = (await service_client.get(URL, params={"page": 30, "page_size": 50})).json()
    assert len(far["items"]) == 50
    assert (far["total"], far["total_is_estimate"]) == (30 * 50, True)
    # Fewer matches than the bound: exact (Leerling1234 and Leerling12340 to 12349).
    few = (await service_client.get(URL, params={"q": "leerling1234", "page_size": 5})).json()
    assert (few["total"], few["total_is_estimate"]) == (11, False)
    # A text search counts to SEARCH_TOTAL_BOUND: "brugge" matches 5,000 of them.
    search = (await service_client.get(URL, params={"q": "brugge", "page_size": 50})).json()
    assert (search["total"], search["total_is_estimate"]) == (SEARCH_TOTAL_BOUND, True)


async def test_a_request_starts_no_parallel_workers(engine):
    """The API's connections plan without parallel workers (backend/db.py): at 1,000,000
    requests PostgreSQL walked the newest-first index for the browse list with two workers,
    about 6 ms to start them for each page, and under load they take the cores that the
    other requests wait for."""
    async with engine.connect() as connection:
        setting = await connection.exec_driver_sql("SHOW max_parallel_workers_per_gather")
        assert setting.scalar() == "0"

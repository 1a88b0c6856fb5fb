"""A service browses the open and invited requests: filters, distance from a postcode,
sorting, pagination; and its own lists (`mine=`)."""

from datetime import date

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from tests import factories
from tests.services_helpers import SITUATIONS, a_request, arrange

URL = "/api/v1/placement-requests"


async def _browse(client, **params):
    response = await client.get(URL, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(page) -> list[str]:
    return [item["id"] for item in page["items"]]


async def test_the_list_holds_open_and_invited_requests_of_running_campaigns(
    service_client, school_client, db
):
    school_id = school_client.account.organisation_id
    me = service_client.account.organisation_id
    other = (await factories.account(db, "service")).organisation_id
    shown = [
        await arrange(db, "open", school_id=school_id, me=me, other=other),
        await arrange(db, "invited_by_other", school_id=school_id, me=me, other=other),
        await arrange(db, "invited_by_me", school_id=school_id, me=me, other=other),
        await arrange(db, "released", school_id=school_id, me=me, other=other),
        await arrange(
            db, "invited_by_other", school_id=school_id, me=me, other=other, phase="decisions_open"
        ),
    ]
    for situation in ("accepted_by_me", "accepted_by_other", "withdrawn", "not_placed"):
        await arrange(db, situation, school_id=school_id, me=me, other=other)

    page = await _browse(service_client)
    assert sorted(_ids(page)) == sorted(s.id for s in shown)
    assert page["total"] == 5
    for item in page["items"]:
        for hidden in ("national_number", "phone", "email", "street", "acceptance"):
            assert hidden not in item
        assert item["status"] in ("open", "invited")
        assert isinstance(item["distance_km"], float)


async def test_a_request_in_brugge_is_within_30_km_of_oostende_not_10(
    service_client, school_client, db
):
    brugge = await a_request(db, school_client.account.organisation_id, postcode="8000")
    # The service is in Oostende (8400): its own postcode is the default origin.
    near = await _browse(service_client, max_km=30)
    assert _ids(near) == [brugge.id]
    assert 15 < near["items"][0]["distance_km"] < 30
    assert _ids(await _browse(service_client, max_km=10)) == []
    # From Brugge itself it is near.
    assert _ids(await _browse(service_client, near="8000", max_km=5)) == [brugge.id]


async def test_sort_by_distance_from_the_service_or_from_near(service_client, school_client, db):
    school_id = school_client.account.organisation_id
    gent = await a_request(db, school_id, postcode="9000")
    brugge = await a_request(db, school_id, postcode="8000", campaign=gent.campaign)
    oostende = await a_request(db, school_id, postcode="8400", campaign=gent.campaign)

    from_service = await _browse(service_client, sort="distance")
    assert _ids(from_service) == [oostende.id, brugge.id, gent.id]
    distances = [item["distance_km"] for item in from_service["items"]]
    assert distances[0] < 2 and distances == sorted(distances)

    from_gent = await _browse(service_client, sort="distance", near="9000")
    assert _ids(from_gent) == [gent.id, brugge.id, oostende.id]
    # The radius and the sort combine, and the total counts what is within the radius.
    within = await _browse(service_client, sort="distance", near="9000", max_km=50)
    assert _ids(within) == [gent.id, brugge.id]
    assert within["total"] == 2


def _within(measured: float | None, max_km: float) -> bool:
    return measured is not None and measured <= max_km


async def test_nearest_first_orders_by_the_great_circle_distance_then_newest_then_id(
    service_client, school_client, db
):
    """The order and the distances of nearest first, page after page, as the haversine
    distance gives them: unknown distances last, equal ones newest first, then by id (on
    PostgreSQL the GiST index's chord order, migration 0015, must give the very same)."""
    from datetime import UTC, datetime, timedelta

    from backend.reference.postcodes import distance_km, lookup_postcode

    school_id = school_client.account.organisation_id
    campaign = (await a_request(db, school_id, postcode="9000")).campaign
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    postcodes = ("8400", "8000", "9000", "8500", "2000", "8400", "8000", "3500")
    for n, postcode in enumerate(postcodes * 2):
        # Two requests at each moment: equal distances and equal moments fall back on the id.
        created_at = moment + timedelta(hours=n // 2)
        await a_request(db, school_id, campaign=campaign, postcode=postcode, created_at=created_at)
    for _ in range(2):
        await a_request(db, school_id, campaign=campaign, latitude=None, longitude=None)

    everything = await _browse(service_client, page_size=100)
    oostende = lookup_postcode("8400")

    def distance(item):
        place = lookup_postcode(item["postcode"])
        if item["postcode"] == "8000" and item.get("distance_km") is None:
            return None  # the two without coordinates
        return distance_km(oostende.latitude, oostende.longitude, place.latitude, place.longitude)

    def key(item):
        measured = distance(item)
        newest = -datetime.fromisoformat(item["created_at"]).timestamp()
        return (measured is None, measured or 0.0, newest, item["id"])

    expected = sorted(everything["items"], key=key)
    for max_km in (None, 60):
        wanted = [i for i in expected if max_km is None or _within(distance(i), max_km)]
        params = {"sort": "distance"} | ({} if max_km is None else {"max_km": max_km})
        pages = [await _browse(service_client, page=p, page_size=4, **params) for p in (1, 2, 3)]
        pages.append(await _browse(service_client, page=1, page_size=100, **params))
        shown = [item for page in pages[:3] for item in page["items"]]
        assert _ids({"items": shown}) == [i["id"] for i in wanted][:12], max_km
        assert _ids(pages[3]) == [i["id"] for i in wanted], max_km
        assert pages[3]["total"] == len(wanted)
        for item in pages[3]["items"]:
            measured = distance(item)
            assert item.get("distance_km") == (None if measured is None else round(measured, 1))


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"near": "0001"}, "near", "unknown_postcode"),
        ({"near": "80000"}, "near", "string_pattern_mismatch"),
        ({"max_km": "0"}, "max_km", "greater_than"),
        ({"province": "BE-XXX"}, "province.0", "literal_error"),
        ({"sort": "random"}, "sort", "literal_error"),
        ({"transport": "horse"}, "transport.0", "literal_error"),
    ],
)
async def test_bad_filters_are_field_errors(service_client, params, field, code):
    response = await service_client.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


async def test_filters(service_client, school_client, db):
    school_id = school_client.account.organisation_id
    duaal = await factories.campaign(db, "duaal")
    stage = await factories.campaign(db, "stage")
    a = await a_request(
        db,
        school_id,
        campaign=duaal,
        postcode="8000",
        first_name="Amber",
        transport_modes=["car"],
        days=["mon"],
        form="block",
        start_date=date(2026, 9, 1),
        end_date=date(2026, 12, 1),
    )
    b = await a_request(
        db,
        school_id,
        campaign=duaal,
        postcode="9000",
        first_name="Bram",
        transport_modes=["e_bike_moped", "public_transport"],
        days=["tue", "wed"],
        form="alternating",
        start_date=date(2027, 2, 1),
        end_date=date(2027, 6, 1),
    )
    c = await a_request(
        db,
        school_id,
        campaign=stage,
        postcode="2000",
        first_name="Cas",
        transport_modes=["bike"],
        days=["mon", "fri"],
        form=None,
    )

    async def ids(**params):
        return sorted(_ids(await _browse(service_client, **params)))

    assert await ids(track="duaal") == sorted([a.id, b.id])
    assert await ids(track="stage") == [c.id]
    assert await ids(province=["BE-VWV", "BE-VAN"]) == sorted([a.id, c.id])
    # "bike" must not match "e_bike_moped": the words are compared whole.
    assert await ids(transport="bike") == [c.id]
    assert await ids(transport=["car", "public_transport"]) == sorted([a.id, b.id])
    assert await ids(days="mon") == sorted([a.id, c.id])
    assert await ids(days=["wed", "fri"]) == sorted([b.id, c.id])
    assert await ids(form="block") == [a.id]
    assert await ids(start_from="2026-10-01") == [b.id]
    assert await ids(start_to="2026-10-01") == [a.id]
    assert await ids(start_from="2026-08-01", start_to="2027-03-01") == sorted([a.id, b.id])
    assert await ids(q="bram") == [b.id]
    assert await ids(q="amber janssens") == [a.id]
    assert await ids(q="antwerpen") == [c.id]
    assert await ids(q="9000") == [b.id]
    # Punctuation separates a word's parts, never a wildcard: "8%0" is "8" and "0", and no
    # word begins with "0" (as a LIKE pattern it would match 8000).
    assert await ids(q="8%0") == []


async def test_a_search_matches_a_town_or_a_postcode_whole_and_other_words_by_their_start(
    service_client, school_client, db
):
    """`q`'s words by kind (lists/search.py): a postcode or a town's whole name matches the
    request's postcode or town (so that its requests are read newest first from an index);
    any other word begins a word of the names, the town or the postcode. The same on SQLite
    and PostgreSQL (a full-text index there)."""
    school_id = school_client.account.organisation_id
    campaign = await factories.campaign(db, "duaal")

    async def request(postcode, city, first_name, last_name="Janssens"):
        return await a_request(
            db,
            school_id,
            campaign=campaign,
            postcode=postcode,
            city=city,
            first_name=first_name,
            last_name=last_name,
        )

    in_brugge = await request("8000", "Brugge", "Amber")
    named_brugge = await request("9000", "Gent", "Bram", last_name="Bruggeman")
    in_assebroek = await request("8310", "Assebroek", "Cas")
    in_berchem = await request("1082", "Sint-Agatha-Berchem", "Dirk", last_name="Smet-Peeters")
    in_peer = await request("3990", "Peer", "Eva", last_name="D'Hondt")

    async def ids(q):
        return sorted(_ids(await _browse(service_client, q=q)))

    # A town's name, in any case: its requests, not a pupil whose name holds it.
    assert await ids("brugge") == [in_brugge.id]
    assert await ids("BRUGGE") == [in_brugge.id]
    assert await ids("sint-agatha-berchem") == [in_berchem.id]
    assert await ids("peer") == [in_peer.id]
    # A postcode: that postcode.
    assert await ids("8000") == [in_brugge.id]
    assert await ids("8310") == [in_assebroek.id]
    # Any other word: the start of a word of the names, the town or the postcode, words
    # separated by spaces, hyphens and apostrophes, in the text and in the search alike.
    assert await ids("brug") == sorted([in_brugge.id, named_brugge.id])
    assert await ids("bruggeman") == [named_brugge.id]
    assert await ids("peete") == [in_berchem.id]
    assert await ids("smet-peeters") == [in_berchem.id]
    assert await ids("agatha") == [in_berchem.id]
    assert await ids("hondt") == [in_peer.id]
    assert await ids("D'Hondt") == [in_peer.id]
    assert await ids("eva d") == [in_peer.id]
    # Not any substring: "eeters" begins no word.
    assert await ids("eeters") == []
    assert await ids("ondt") == []
    # The price: "berchem" names a town too (in Antwerp), so it finds Berchem only.
    assert await ids("berchem") == []
    assert await ids("800") == [in_brugge.id]
    # Words of every kind together: each must match.
    assert await ids("amber brugge 8000") == [in_brugge.id]
    assert await ids("bram brugge") == []
    assert await ids("bram gent 9000") == [named_brugge.id]


async def test_pages_and_sorting(service_client, school_client, db):
    from datetime import timedelta

    from backend import clock

    school_id = school_client.account.organisation_id
    found = await factories.campaign(db)
    made = []
    for n, start in enumerate([date(2026, 10, 1), None, date(2026, 9, 1), None, date(2027, 1, 1)]):
        clock.freeze(clock.now() + timedelta(minutes=n))
        made.append(
            await a_request(
                db,
                school_id,
                campaign=found,
                start_date=start,
                end_date=start and start + timedelta(days=90),
            )
        )
    clock.reset()
    newest_first = [s.id for s in reversed(made)]

    pages = [await _browse(service_client, page=p, page_size=2) for p in (1, 2, 3)]
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in _ids(p)] == newest_first
    assert _ids(await _browse(service_client, sort="oldest")) == newest_first[::-1]

    by_start = _ids(await _browse(service_client, sort="start_date"))
    # Known start dates first, earliest first; then the others, newest first.
    assert by_start == [made[2].id, made[0].id, made[4].id, made[3].id, made[1].id]


@pytest.mark.parametrize(
    ("mine", "situation"),
    [
        ("invited", "invited_by_me"),
        ("accepted", "accepted_by_me"),
        ("placed_elsewhere", "accepted_by_other"),
        ("withdrawn", "withdrawn"),
    ],
)
async def test_the_service_s_own_lists(service_client, school_client, db, mine, situation):
    school_id = school_client.account.organisation_id
    me = service_client.account.organisation_id
    other = (await factories.account(db, "service")).organisation_id
    made = {
        s: await arrange(db, s, school_id=school_id, me=me, other=other)
        for s in SITUATIONS
        if s != "not_placed"
    }
    # The other service's view of the same requests differs: its lists are its own.
    page = await _browse(service_client, mine=mine)
    assert _ids(page) == [made[situation].id]
    expected_status = {
        "invited": "invited",
        "accepted": "accepted",
        "placed_elsewhere": "accepted",
        "withdrawn": "withdrawn",
    }[mine]
    [item] = page["items"]
    assert item["status"] == expected_status
    own_outcome = {
        "invited": "pending",
        "accepted": "accepted",
        "placed_elsewhere": "placed_elsewhere",
        "withdrawn": "request_withdrawn",
    }[mine]
    assert [i["outcome"] for i in item["invitations"]] == [own_outcome]
    # Only the accepting service sees the contact data, in its own list too, audited.
    assert ("national_number" in item) == (mine == "accepted")
    shown = (
        await db.scalars(select(AuditEntry).where(AuditEntry.action == "national_number_shown"))
    ).all()
    assert [(e.object_id, e.details["via"]) for e in shown] == (
        [(item["id"], "list")] if mine == "accepted" else []
    )


def test_an_sqlite_without_math_functions_measures_the_same_distances(monkeypatch):
    """The embedded default must not depend on how SQLite was built: the distance filter's
    functions come from Python when SQLite lacks them (here they override the built-ins, and
    count their calls to show that they were the ones used)."""
    import sqlite3

    from sqlalchemy import select
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from backend import db
    from backend.db import add_math_functions

    calls = []

    def counted(name, function):
        return lambda *args: calls.append(name) or function(*args)

    monkeypatch.setattr(
        db, "MATH_FUNCTIONS", {n: counted(n, f) for n, f in db.MATH_FUNCTIONS.items()}
    )
    from backend.placements.lists.distance import (
        Origin,
        distance_sql,
        origin_values,
        radius_values,
        within_radius,
    )
    from backend.reference.postcodes import distance_km, lookup_postcode

    connection = sqlite3.connect(":memory:")
    add_math_functions(connection)
    connection.execute("CREATE TABLE placement_request (latitude FLOAT, longitude FLOAT)")
    brugge, oostende = lookup_postcode("8000"), lookup_postcode("8400")
    connection.execute(
        "INSERT INTO placement_request VALUES (?, ?), (NULL, NULL)",
        (brugge.latitude, brugge.longitude),
    )
    origin = Origin(oostende.latitude, oostende.longitude)
    query = (
        select(distance_sql())
        .params(**origin_values(origin))
        .compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True})
    )
    measured, unknown = [row[0] for row in connection.execute(str(query))]
    expected = distance_km(oostende.latitude, oostende.longitude, brugge.latitude, brugge.longitude)
    assert abs(measured - expected) < 1e-6 and 15 < measured < 30
    assert unknown is None
    assert {"sin", "cos", "asin", "sqrt", "radians", "power"} <= set(calls)

    def within(max_km):
        query = (
            select(within_radius())
            .params(**origin_values(origin), **radius_values(max_km))
            .compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True})
        )
        return [row[0] for row in connection.execute(str(query))]

    # The radius compares the haversine, without arc sine and square root: the same answer.
    assert within(expected + 0.01) == [1, None]
    assert within(expected - 0.01) == [0, None]


async def test_a_campaign_whose_opening_moved_later_is_unknown_to_services_in_list_and_detail(
    admin_client, service_client, school_client, db
):
    # Before a campaign opens the services see nothing of it: the list and the detail agree
    # (one access rule, reading/access.py), also when the admin moves the opening later.
    from datetime import timedelta

    from backend import clock

    setup = await a_request(db, school_client.account.organisation_id)
    assert setup.id in _ids(await _browse(service_client))
    later = (clock.now() + timedelta(days=3)).astimezone(clock.BRUSSELS).date().isoformat()
    moved = await admin_client.patch(
        f"/api/v1/campaigns/{setup.campaign.id}", json={"opens_at": later}
    )
    assert moved.status_code == 200, moved.text

    assert setup.id not in _ids(await _browse(service_client))
    assert (await service_client.get(f"{URL}/{setup.id}")).status_code == 404
    # Its school still sees it.
    assert (await school_client.get(f"{URL}/{setup.id}")).status_code == 200

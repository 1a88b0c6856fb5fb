"""A care service states what fits it (its preferences) and browses the requests best fit
first, each with its score and the reasons; the score is one function (placements/fit.py)."""

import hashlib
import uuid
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import insert

from backend import clock, crypto
from backend.placements import fit
from backend.placements.lists import browse
from backend.placements.models import PlacementRequest
from backend.reference.postcodes import lookup_postcode
from tests import factories
from tests.conftest import IS_POSTGRES
from tests.services_helpers import a_request

URL = "/api/v1/placement-requests"


def _preferences_url(client) -> str:
    return f"/api/v1/organisations/{client.account.organisation_id}/preferences"


PREFERENCES = {
    "days": ["tue", "mon"],
    "hours_per_week_min": 16,
    "hours_per_week_max": 24,
    "start_from": "2027-01-15",
    "start_until": "2027-02-15",
    "max_distance_km": 30,
    "transport_modes": ["public_transport", "bike"],
}


async def test_a_service_states_and_reads_its_preferences(service_client, admin_client):
    empty = await service_client.get(_preferences_url(service_client))
    assert empty.status_code == 200
    assert empty.json()["days"] == [] and empty.json()["updated_at"] is None
    saved = await service_client.put(_preferences_url(service_client), json=PREFERENCES)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["days"] == ["mon", "tue"]  # in the week's order
    assert body["transport_modes"] == ["bike", "public_transport"]
    assert body["max_distance_km"] == 30
    read = await admin_client.get(_preferences_url(service_client))
    assert read.json() == body


async def test_preferences_are_the_service_s_own(
    service_client, school_client, admin_client, app, sessionmaker
):
    from tests.conftest import _role_client

    other = await _role_client(app, sessionmaker, "service")
    try:
        for client in (school_client, other):
            for method in ("get", "put"):
                response = await getattr(client, method)(
                    _preferences_url(service_client),
                    **({"json": PREFERENCES} if method == "put" else {}),
                )
                assert response.status_code == 404
                assert response.headers["content-type"] == "application/problem+json"
        # A school has no preferences, not even for the admin.
        school = await admin_client.get(_preferences_url(school_client))
        assert school.status_code == 404
    finally:
        await other.aclose()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"hours_per_week_min": 30, "hours_per_week_max": 20}, "hours_per_week_max", "hours_range"),
        ({"start_from": "2027-03-01", "start_until": "2027-02-01"}, "start_until", "period_range"),
    ],
)
async def test_preferences_are_validated(service_client, change, field, code):
    response = await service_client.put(
        _preferences_url(service_client), json={**PREFERENCES, **change}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (field, code)
    for wrong in ({"days": ["someday"]}, {"max_distance_km": 0}, {"transport_modes": ["horse"]}):
        refused = await service_client.put(
            _preferences_url(service_client), json={**PREFERENCES, **wrong}
        )
        assert refused.status_code == 422


async def _pupils(db, school_id, campaign):
    """Three pupils of one campaign: a close one that fits everything, a close one that fits
    nothing but the distance, and one beyond the service's maximum distance."""
    best = await a_request(
        db,
        school_id,
        campaign=campaign,
        postcode="8400",
        days=["mon", "tue"],
        hours_per_week=20,
        start_date=date(2027, 2, 1),
        transport_modes=["bike"],
    )
    poor = await a_request(
        db,
        school_id,
        campaign=campaign,
        postcode="8400",
        days=["thu", "fri"],
        hours_per_week=38,
        start_date=date(2027, 9, 1),
        transport_modes=["car"],
    )
    far = await a_request(db, school_id, campaign=campaign, postcode="3600", days=["mon"])
    return best, poor, far


async def test_the_browse_list_sorts_by_fit_with_reasons(service_client, school_client, db):
    campaign = await factories.campaign(db)
    best, poor, far = await _pupils(db, school_client.account.organisation_id, campaign)
    await service_client.put(_preferences_url(service_client), json=PREFERENCES)

    response = await service_client.get(URL, params={"sort": "fit"})
    assert response.status_code == 200, response.text
    page = response.json()
    # Within the service's maximum distance (30 km from 8400): not the pupil in Genk.
    assert [item["id"] for item in page["items"]] == [best.id, poor.id]
    assert page["total"] == 2
    first, second = (item["fit"] for item in page["items"])
    assert first["score"] == 100
    assert 0 < second["score"] < 45
    codes = {reason["code"]: reason for reason in first["reasons"]}
    assert set(codes) == {"distance", "days", "transport", "hours", "start"}
    assert codes["days"]["days"] == ["mon", "tue"] and codes["days"]["other_days"] == []
    assert codes["start"] == {"code": "start", "weight": 10.0, "date": "2027-02-01", "fits": True}
    assert codes["transport"]["modes"] == ["bike"] and codes["transport"]["fits"] is True
    assert sum(r["weight"] for r in first["reasons"]) == pytest.approx(first["score"], abs=0.5)
    poorly = {reason["code"]: reason for reason in second["reasons"]}
    assert poorly["days"]["days"] == [] and poorly["days"]["other_days"] == ["thu", "fri"]
    assert poorly["transport"]["fits"] is False and poorly["hours"]["fits"] is False

    # A wider max_km given in the address takes the far pupil in: beyond the service's
    # maximum distance it earns no distance points, but its days, hours and way of coming fit.
    wider = (await service_client.get(URL, params={"sort": "fit", "max_km": 200})).json()
    assert [item["id"] for item in wider["items"]] == [best.id, far.id, poor.id]
    far_reasons = {r["code"]: r for r in wider["items"][1]["fit"]["reasons"]}
    assert far_reasons["distance"]["weight"] == 0 and far_reasons["distance"]["km"] > 30
    assert far_reasons["distance"]["fits"] is False and codes["distance"]["fits"] is True
    # Other sorts carry no fit.
    plain = (await service_client.get(URL, params={"sort": "newest"})).json()
    assert all("fit" not in item for item in plain["items"])


async def test_without_preferences_fit_is_distance(service_client, school_client, db):
    campaign = await factories.campaign(db)
    school_id = school_client.account.organisation_id
    near = await a_request(db, school_id, campaign=campaign, postcode="8400")
    farther = await a_request(db, school_id, campaign=campaign, postcode="8000")
    page = (await service_client.get(URL, params={"sort": "fit"})).json()
    assert [item["id"] for item in page["items"]] == [near.id, farther.id]
    reasons = page["items"][1]["fit"]["reasons"]
    assert [r["code"] for r in reasons] == ["distance"]
    assert reasons[0]["km"] == pytest.approx(page["items"][1]["distance_km"])
    assert page["items"][0]["fit"]["score"] > page["items"][1]["fit"]["score"]


async def test_fit_pages_without_overlap(service_client, school_client, db):
    campaign = await factories.campaign(db)
    school_id = school_client.account.organisation_id
    made = [await a_request(db, school_id, campaign=campaign, postcode="8400") for _ in range(5)]
    seen = []
    for number in (1, 2, 3):
        page = (
            await service_client.get(URL, params={"sort": "fit", "page": number, "page_size": 2})
        ).json()
        assert page["total"] == 5
        seen += [item["id"] for item in page["items"]]
    assert sorted(seen) == sorted(m.id for m in made)


async def test_only_a_service_s_browse_list_sorts_by_fit(
    school_client, admin_client, service_client
):
    for client, params in (
        (school_client, {"sort": "fit"}),
        (admin_client, {"sort": "fit"}),
        (service_client, {"sort": "fit", "mine": "invited"}),
    ):
        response = await client.get(URL, params=params)
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "fit_for_browse"


async def test_best_fit_first_pages_through_the_first_five_thousand(service_client):
    """A page of best fit first reads every candidate that could be on it, so its depth is
    bounded (deeper, a service narrows the list with filters)."""
    deepest = await service_client.get(URL, params={"sort": "fit", "page": 100, "page_size": 50})
    assert deepest.status_code == 200, deepest.text
    deeper = await service_client.get(URL, params={"sort": "fit", "page": 26, "page_size": 200})
    assert deeper.status_code == 422
    assert deeper.json()["errors"][0]["field"] == "page"
    assert deeper.json()["errors"][0]["code"] == "fit_too_deep"
    # Other orders page as deep as before.
    newest = await service_client.get(URL, params={"page": 26, "page_size": 200})
    assert newest.status_code == 200, newest.text


def test_the_score_is_one_vectorised_function():
    candidates = fit.Candidates.from_rows(
        distance_km=[0.0, 15.0, None, 40.0],
        days=[fit.mask_of(["mon"], fit.DAYS)] * 4,
        hours=[20, 20, 20, 20],
        start=[None, None, None, None],
        transport=[fit.mask_of(["car"], fit.TRANSPORT), fit.mask_of(["bike"], fit.TRANSPORT)] * 2,
    )
    preferences = fit.Preferences(max_distance_km=30.0, transport_modes=frozenset({"bike"}))
    scored = fit.score(candidates, preferences)
    # distance 40 of 55, transport 15 of 55
    assert scored.score.tolist() == [73, 64, 0, 27]
    assert scored.feasible.tolist() == [False, True, False, False]
    assert np.allclose(sum(scored.points.values()), [72.7, 63.6, 0.0, 27.3], atol=0.1)
    assert [r["code"] for r in fit.reasons(scored, 2, candidates, preferences)] == [
        "distance_unknown",
        "transport",
    ]


async def test_fit_lists_exactly_the_browse_list_and_shows_no_more_of_an_item(
    service_client, school_client, other_school_client, db
):
    """`sort=fit` scores every candidate in numpy, apart from the browse list's statement: it
    must hold the same requests (none of a campaign not open yet or closed, none accepted or
    withdrawn), every item as the browse list shows it, plus its `fit`."""
    from tests.services_helpers import SITUATIONS, arrange

    me = service_client.account.organisation_id
    other = (await factories.account(db, "service", postcode="8400")).organisation_id
    for school_id in (
        school_client.account.organisation_id,
        other_school_client.account.organisation_id,
    ):
        for situation in SITUATIONS:
            await arrange(db, situation, school_id=school_id, me=me, other=other)
        await a_request(db, school_id, phase="before_open")
    await db.commit()
    page = {"page_size": 200}
    browse = (await service_client.get(URL, params=page)).json()["items"]
    by_fit = (await service_client.get(URL, params={**page, "sort": "fit"})).json()["items"]
    assert browse and sorted(i["id"] for i in by_fit) == sorted(i["id"] for i in browse)
    shown = {item["id"]: item for item in browse}
    for item in by_fit:
        assert set(item) - set(shown[item["id"]]) == {"fit"}
        assert {k: v for k, v in item.items() if k != "fit"} == shown[item["id"]]


@pytest.mark.parametrize(
    "body",
    [
        '{"max_distance_km": NaN}',
        '{"max_distance_km": Infinity}',
        '{"max_distance_km": 1e309}',
        '{"hours_per_week_min": 99999999999999999999999999}',
        '{"hours_per_week_max": -1}',
        '{"days": [' + ",".join(['"mon"'] * 10_000) + "]}",
    ],
)
async def test_hostile_preferences_are_refused_as_invalid(service_client, body):
    response = await service_client.put(
        _preferences_url(service_client),
        content=body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"


def _random_preferences(rng: np.random.Generator) -> fit.Preferences:
    """Any part stated or not; ranges that may be empty of the candidates' values."""

    def some(words: tuple[str, ...]) -> frozenset[str]:
        return frozenset(w for w in words if rng.random() < 0.4)

    hours = sorted(int(h) for h in rng.integers(0, 41, 2))
    start = sorted(date(2027, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 200, 2))
    return fit.Preferences(
        days=some(fit.DAYS),
        hours_min=hours[0] if rng.random() < 0.5 else None,
        hours_max=hours[1] if rng.random() < 0.5 else None,
        start_from=start[0] if rng.random() < 0.5 else None,
        start_until=start[1] if rng.random() < 0.5 else None,
        max_distance_km=float(rng.uniform(1, 80)) if rng.random() < 0.6 else None,
        transport_modes=some(fit.TRANSPORT),
    )


def test_no_candidate_as_far_or_farther_scores_above_the_best_possible():
    """`best_possible(d)` bounds the score of every candidate at d or farther, and of every
    candidate at an unknown distance for d unknown (brute force on random cases): what lets
    the browse list by fit stop reading nearest first."""
    rng = np.random.default_rng(17)
    for _ in range(300):
        preferences = _random_preferences(rng)
        n = 300
        distance = rng.uniform(0, 90, n).round(int(rng.integers(0, 4)))
        distance[rng.random(n) < 0.1] = np.nan
        start = np.where(rng.random(n) < 0.2, np.nan, rng.integers(20_800, 21_200, n))
        candidates = fit.Candidates(
            distance_km=distance,
            days=rng.integers(0, 128, n),
            hours=rng.integers(0, 41, n).astype(float),
            start=start.astype(float),
            transport=rng.integers(0, 16, n),
        )
        scores = fit.score(candidates, preferences).score
        unknown = np.isnan(distance)
        at = np.array([*distance[~unknown][:40], 0.0, 200.0, np.nan])
        for d, best in zip(at, fit.best_possible(at, preferences), strict=True):
            farther = (
                unknown if np.isnan(d) else unknown | (np.nan_to_num(distance, nan=np.inf) >= d)
            )
            assert scores[farther].max(initial=0) <= best
    # Next door, fitting all that is stated: the full score; unknown, distance only: none.
    assert fit.best_possible(np.array([0.0]), _random_preferences(rng))[0] == 100
    assert fit.best_possible(np.array([np.nan]), fit.Preferences())[0] == 0


# --- best fit first reads postcode by postcode until its page is certain -----------------
# 1,200 at the service's own postcode (8400: one distance, equal best scores), 1,300 around,
# 100 without coordinates; half of them fit PREFERENCES' days, hours, start and transport.
NEARBY = ("8420", "8430", "8450", "8460", "8470", "8490", "8000", "8200", "8370", "8600")
FARTHER = ("8620", "8630", "8670", "8700", "8800", "8900", "9000", "8500", "8300", "8310")


async def _many_pupils(db, school_id) -> int:
    rng = np.random.default_rng(2026)
    campaign = await factories.campaign(db)
    supervisor = await factories.supervisor(db, school_id)
    encrypted = crypto.encrypt(factories.national_number(1))
    now = clock.now()
    places = ["8400"] * 1200 + [*NEARBY, *FARTHER] * 65 + ["8000"] * 100
    rows = []
    for i, postcode in enumerate(places):
        info = lookup_postcode(postcode)
        located = i < 2500
        good = rng.random() < 0.5
        rows.append(
            {
                "id": uuid.uuid4(),
                "campaign_id": campaign.id,
                "school_id": school_id,
                "supervisor_id": supervisor.id,
                "first_name": f"Leerling{i}",
                "last_name": "Janssens",
                "national_number_encrypted": encrypted,
                "national_number_hash": hashlib.sha256(f"fit{i}".encode()).hexdigest(),
                "street": f"Kerkstraat {i}",
                "postcode": postcode,
                "city": info.municipalities[0].name_nl,
                "province": info.province,
                "latitude": info.latitude if located else None,
                "longitude": info.longitude if located else None,
                "phone": "+32470123456",
                "email": f"leerling{i}@example.be",
                "transport_modes": ["bike"] if good else [["car"], ["bike", "car"]][i % 2],
                "hours_per_week": 20 if good else int(rng.integers(8, 40)),
                "days": ["mon", "tue"] if good else [["mon", "thu"], ["fri"]][i % 2],
                "start_date": date(2027, 2, 1) if good else [None, date(2027, 6, 1)][i % 2],
                "form": "alternating",
                "state": "open",
                # Three by three at one moment: equal scores and ages are ordered by id.
                "created_at": now - timedelta(seconds=i // 3),
                "updated_at": now,
            }
        )
    await db.execute(insert(PlacementRequest), rows)
    await db.commit()
    return len(rows)


def _shown(page: dict) -> list:
    return [(i["id"], i["fit"], i.get("distance_km")) for i in page["items"]]


@pytest.mark.parametrize(
    ("preferences", "params", "reading"),
    [
        # No preferences: 1,200 equal best scores at the postcode, its newest make the page.
        (None, {"page_size": 20}, "stops early"),
        # Half of them fit: the postcode's newest until the page's number fit.
        ({**PREFERENCES, "max_distance_km": None}, {"page_size": 50}, "stops early"),
        # Within 12 km: 1,525 candidates.
        (PREFERENCES, {"page_size": 50, "max_km": 12}, "stops early"),
        # Nobody fits the days or the way of coming: a far pupil could still score as well.
        ({"days": ["sun"], "transport_modes": ["public_transport"]}, {"page_size": 20}, "all"),
    ],
)
async def test_best_fit_first_reads_postcodes_nearest_first_and_pages_as_the_full_read(
    service_client, school_client, db, monkeypatch, preferences, params, reading
):
    """Page after page the same items, scores and total as when every candidate is read at
    once; the reads stop before the last candidate where the bound says so."""
    pupils = await _many_pupils(db, school_client.account.organisation_id)
    if preferences is not None:
        saved = await service_client.put(_preferences_url(service_client), json=preferences)
        assert saved.status_code == 200, saved.text
    reads: list[int] = []  # the candidates read for the page
    best_first = browse._best_first

    async def counted(*args):
        rows, scores = await best_first(*args)
        reads.append(len(rows))
        return rows, scores

    monkeypatch.setattr(browse, "_best_first", counted)

    async def page(number: int) -> tuple[dict, list[int]]:
        reads.clear()
        response = await service_client.get(URL, params={**params, "sort": "fit", "page": number})
        assert response.status_code == 200, response.text
        return response.json(), list(reads)

    numbers = (1, 2, 3, 30)
    pages = [await page(number) for number in numbers]
    with monkeypatch.context() as full:
        full.setattr(browse, "_first_ask", lambda params: (10_000, 10 * pupils))
        for number, (found, _) in zip(numbers, pages, strict=True):
            expected, [every] = await page(number)
            assert _shown(found) == _shown(expected), number
            assert (found["total"], found["total_is_estimate"]) == (
                expected["total"],
                expected["total_is_estimate"],
            )
    size = params["page_size"]
    assert [len(found["items"]) for found, _ in pages[:3]] == [size] * 3
    [read] = pages[0][1]
    if reading == "all":
        assert read == every == pupils
    elif IS_POSTGRES:
        # Each postcode's newest, as many as the page needs: a fraction of the candidates.
        assert read < every / 4, read
    else:
        # SQLite reads every candidate at the postcodes asked: the nearest four hold 1,330.
        assert read == 1330

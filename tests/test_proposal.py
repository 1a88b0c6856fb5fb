"""The admin's proposal: for each unplaced pupil of a campaign the service that fits best,
never more pupils to a service than its places left, never a pupil twice, maximising the
total fit (an exact solver); and one mail per service with its pupils, once."""

import itertools
import uuid

import numpy as np

from backend import clock
from backend.admin.proposal import solve
from backend.organisations import capacity
from tests import factories
from tests.conftest import _role_client
from tests.services_helpers import a_request, accept, arrange, decline, invite, outbox, release


def _url(campaign_id, *rest: str) -> str:
    return "/".join([f"/api/v1/admin/campaigns/{campaign_id}/proposal", *rest])


async def _service(app, sessionmaker, postcode: str, **preferences):
    client = await _role_client(app, sessionmaker, "service", postcode=postcode)
    if preferences:
        response = await client.put(
            f"/api/v1/organisations/{client.account.organisation_id}/preferences",
            json=preferences,
        )
        assert response.status_code == 200, response.text
    return client


async def test_the_proposal_respects_places_left_and_proposes_each_pupil_once(
    admin_client, school_client, app, sessionmaker, db
):
    school_id = school_client.account.organisation_id
    campaign = await factories.campaign(db)
    # Six pupils in Ostend (8400), two in Antwerp (2000).
    ostend = [await a_request(db, school_id, campaign=campaign, postcode="8400") for _ in range(6)]
    antwerp = [await a_request(db, school_id, campaign=campaign, postcode="2000") for _ in range(2)]
    # Two services in Ostend with 2 and 1 places left; one in Antwerp with no limit but
    # a maximum distance of 20 km; every one takes only pupils within 25 km.
    near = [
        await _service(app, sessionmaker, "8400", max_distance_km=25),
        await _service(app, sessionmaker, "8400", max_distance_km=25),
    ]
    antwerp_service = await _service(app, sessionmaker, "2000", max_distance_km=20)
    services = [*near, antwerp_service]
    try:
        async with sessionmaker() as session:
            await capacity.set_capacity(session, near[0].account.organisation_id, campaign.id, 3)
            await capacity.set_capacity(session, near[1].account.organisation_id, campaign.id, 1)
            await session.commit()
        # The first near service has accepted one pupil already: 2 places left.
        await invite(near[0], ostend[0].id)
        assert (await accept(near[0], ostend[0].id)).status_code == 200

        response = await admin_client.get(_url(campaign.id))
        assert response.status_code == 200, response.text
        body = response.json()
        items = {item["request"]["id"]: item for item in body["items"]}
        # The accepted pupil is placed: not in the proposal.
        assert set(items) == {s.id for s in ostend[1:] + antwerp}
        by_service: dict[str, list[str]] = {}
        for pupil_id, item in items.items():
            if item["service"]:
                by_service.setdefault(item["service"]["id"], []).append(pupil_id)
        ids = [str(s.account.organisation_id) for s in services]
        assert len(by_service.get(ids[0], [])) == 2  # its places left
        assert len(by_service.get(ids[1], [])) == 1
        assert sorted(by_service[ids[2]]) == sorted(s.id for s in antwerp)
        # Five pupils in Ostend for three places: two have no proposal.
        assert body["proposed"] == 5 and body["without_proposal"] == 2
        assert sum(len(v) for v in by_service.values()) == len(set().union(*by_service.values()))
        without = [item for item in body["items"] if item["service"] is None]
        assert all(item["reasons"] == [] and item["score"] is None for item in without)
        proposed = [item for item in body["items"] if item["service"]]
        assert all(item["reasons"][0]["code"] == "distance" for item in proposed)
        assert body["total_fit"] == sum(item["score"] for item in proposed)
        left = {s["id"]: s for s in body["services"]}
        assert left[ids[0]] == {
            "id": ids[0],
            "name": left[ids[0]]["name"],
            "places_left": 2,
            "proposed": 2,
        }
        assert left[ids[2]]["places_left"] is None
    finally:
        for client in services:
            await client.aclose()


async def test_the_proposal_suggests_what_the_service_excludes_never(
    admin_client, school_client, app, sessionmaker, db
):
    school_id = school_client.account.organisation_id
    campaign = await factories.campaign(db)
    by_car = await a_request(
        db, school_id, campaign=campaign, postcode="8400", transport_modes=["car"]
    )
    by_bike = await a_request(
        db, school_id, campaign=campaign, postcode="8400", transport_modes=["bike"]
    )
    service = await _service(
        app, sessionmaker, "8400", transport_modes=["bike", "public_transport"]
    )
    try:
        body = (await admin_client.get(_url(campaign.id))).json()
        proposed = {i["request"]["id"]: i["service"] for i in body["items"]}
        assert proposed[by_car.id] is None
        assert proposed[by_bike.id]["id"] == str(service.account.organisation_id)
    finally:
        await service.aclose()


async def test_the_proposal_is_for_the_admin(school_client, service_client, admin_client, db):
    campaign = await factories.campaign(db)
    await db.commit()
    for client in (school_client, service_client):
        assert (await client.get(_url(campaign.id))).status_code == 403
        assert (await client.post(_url(campaign.id, "mails"))).status_code == 403
    missing = await admin_client.get(_url(uuid.uuid4()))
    assert missing.status_code == 404


async def test_each_service_is_mailed_its_pupils_once(
    admin_client, school_client, app, sessionmaker, db
):
    school_id = school_client.account.organisation_id
    campaign = await factories.campaign(db)
    pupils = [await a_request(db, school_id, campaign=campaign, postcode="8400") for _ in range(2)]
    service = await _service(app, sessionmaker, "8400")
    try:
        sent = await admin_client.post(_url(campaign.id, "mails"))
        assert sent.status_code == 200, sent.text
        assert sent.json() == {"mailed_services": 1, "already_mailed": 0}
        mails = await outbox(sessionmaker, to=service.account.email, template="proposal_service")
        assert len(mails) == 1
        for pupil in pupils:
            assert pupil.request.first_name in mails[0].body_text
        assert "niemand is uitgenodigd" in mails[0].body_text
        # The same proposal again: nobody is mailed twice, and nothing was invited.
        again = await admin_client.post(_url(campaign.id, "mails"))
        assert again.json() == {"mailed_services": 0, "already_mailed": 1}
        assert len(await outbox(sessionmaker, template="proposal_service")) == 1
        listed = await service.get(f"/api/v1/placement-requests/{pupils[0].id}")
        assert listed.json()["status"] == "open"
        # A changed list of pupils is mailed.
        await a_request(db, school_id, campaign=campaign, postcode="8400")
        third = await admin_client.post(_url(campaign.id, "mails"))
        assert third.json() == {"mailed_services": 1, "already_mailed": 0}
    finally:
        await service.aclose()


async def test_not_placed_pupils_after_the_deadline_are_in_the_proposal(
    admin_client, school_client, service_client, db
):
    other = (await factories.account(db, "service", postcode="8400")).organisation_id
    me = service_client.account.organisation_id
    setup = await arrange(
        db, "not_placed", school_id=school_client.account.organisation_id, me=me, other=other
    )
    await db.commit()
    body = (await admin_client.get(_url(setup.campaign.id))).json()
    assert [item["request"]["id"] for item in body["items"]] == [setup.id]
    assert body["items"][0]["service"] is not None


def test_the_solver_is_exact_on_small_random_cases():
    rng = np.random.default_rng(16)
    for _ in range(200):
        n, m = rng.integers(1, 6), rng.integers(1, 4)
        scores = rng.integers(0, 101, size=(n, m))
        feasible = rng.random((n, m)) < 0.7
        places = [None if rng.random() < 0.2 else int(rng.integers(0, 3)) for _ in range(m)]
        chosen = solve(scores, feasible, places)
        counts = np.bincount(chosen[chosen >= 0], minlength=m)
        assert all(left is None or counts[j] <= left for j, left in enumerate(places))
        assert all(feasible[i, j] for i, j in enumerate(chosen) if j >= 0)

        def value(assignment, scores=scores):
            return sum(scores[i, j] + 1 for i, j in enumerate(assignment) if j >= 0)

        best = 0
        for assignment in itertools.product(range(-1, m), repeat=n):
            used = np.bincount([j for j in assignment if j >= 0], minlength=m)
            if any(left is not None and used[j] > left for j, left in enumerate(places)):
                continue
            if any(j >= 0 and not feasible[i, j] for i, j in enumerate(assignment)):
                continue
            best = max(best, value(assignment))
        assert value(chosen) == best


async def test_no_proposal_for_a_campaign_whose_pupils_were_erased(
    admin_client, school_client, app, sessionmaker, db
):
    campaign = await factories.campaign(db, phase="closed")
    await a_request(db, school_client.account.organisation_id, campaign=campaign, postcode="8400")
    campaign.purged_at = clock.now()
    await db.commit()
    service = await _service(app, sessionmaker, "8400")
    try:
        for answer in (
            await admin_client.get(_url(campaign.id)),
            await admin_client.post(_url(campaign.id, "mails")),
        ):
            assert (answer.status_code, answer.json()["code"]) == (409, "retention_done")
        assert await outbox(sessionmaker, template="proposal_service") == []
    finally:
        await service.aclose()


async def test_a_pupil_the_service_declined_or_released_is_never_proposed_to_it(
    admin_client, school_client, app, sessionmaker, db
):
    school_id = school_client.account.organisation_id
    campaign = await factories.campaign(db)
    declined, released, untouched = [
        await a_request(db, school_id, campaign=campaign, postcode="8400") for _ in range(3)
    ]
    service = await _service(app, sessionmaker, "8400")
    try:
        for setup in (declined, released):
            assert (await invite(service, setup.id)).status_code == 201
        assert (await decline(service, declined.id, "Past niet")).status_code == 200
        assert (await accept(service, released.id)).status_code == 200
        assert (await release(service, released.id)).status_code == 200
        body = (await admin_client.get(_url(campaign.id))).json()
        proposed = {item["request"]["id"]: item["service"] for item in body["items"]}
        assert proposed[declined.id] is None and proposed[released.id] is None
        assert proposed[untouched.id]["id"] == str(service.account.organisation_id)
    finally:
        await service.aclose()

"""A service's capacity per campaign: set by the admin, never overbooked."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend import clock
from backend.main import create_app
from backend.organisations import capacity
from backend.placements.models import Invitation, PlacementRequest, RequestState
from tests import factories
from tests.conftest import IS_POSTGRES, make_client
from tests.services_helpers import (
    a_request,
    accept,
    close,
    invite,
    path,
    release,
    service_clients,
)


async def _campaign_id(db) -> str:
    found = await factories.campaign(db)
    await db.commit()
    return str(found.id)


async def test_admin_sets_and_reads_a_service_capacity(admin_client, service_client, db):
    campaign_id = await _campaign_id(db)
    service_id = service_client.account.organisation_id
    response = await admin_client.put(
        f"/api/v1/organisations/{service_id}/capacities/{campaign_id}", json={"capacity": 3}
    )
    assert response.status_code == 200
    assert response.json() == {"campaign_id": campaign_id, "capacity": 3, "used": 0, "remaining": 3}
    listed = await admin_client.get(f"/api/v1/organisations/{service_id}/capacities")
    assert [c["capacity"] for c in listed.json()] == [3]


async def test_capacity_is_for_services_and_admins_only(
    admin_client, school_client, service_client, db
):
    campaign_id = await _campaign_id(db)
    school_id = school_client.account.organisation_id
    not_service = await admin_client.put(
        f"/api/v1/organisations/{school_id}/capacities/{campaign_id}", json={"capacity": 3}
    )
    assert not_service.status_code == 409
    assert not_service.json()["code"] == "not_a_service"
    for client in (school_client, service_client):
        refused = await client.put(
            f"/api/v1/organisations/{service_client.account.organisation_id}"
            f"/capacities/{campaign_id}",
            json={"capacity": 30},
        )
        assert refused.status_code == 403
    negative = await admin_client.put(
        f"/api/v1/organisations/{service_client.account.organisation_id}/capacities/{campaign_id}",
        json={"capacity": -1},
    )
    assert negative.status_code == 422


async def test_capacity_cannot_drop_below_the_pupils_accepted(admin_client, service_client, db):
    found = await factories.campaign(db)
    service_id = service_client.account.organisation_id
    await capacity.set_capacity(db, service_id, found.id, 2)
    await capacity.take_place(db, service_id, found.id)
    await capacity.take_place(db, service_id, found.id)
    with pytest.raises(capacity.CapacityFull):
        await capacity.take_place(db, service_id, found.id)
    await db.commit()
    response = await admin_client.put(
        f"/api/v1/organisations/{service_id}/capacities/{found.id}", json={"capacity": 1}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "capacity_below_used"


@pytest.mark.skipif(not IS_POSTGRES, reason="real concurrent transactions need PostgreSQL")
async def test_the_last_place_goes_to_exactly_one_of_many(committed):
    async with committed() as session:
        service = await factories.account(session, "service")
        found = await factories.campaign(session)
        await capacity.set_capacity(session, service.organisation_id, found.id, 1)
        await session.commit()

    barrier = asyncio.Barrier(10)

    async def take() -> bool:
        async with committed() as session:
            await barrier.wait()
            try:
                await capacity.take_place(session, service.organisation_id, found.id)
            except capacity.CapacityFull:
                await session.rollback()
                return False
            await session.commit()
            return True

    assert sorted(await asyncio.gather(*(take() for _ in range(10)))) == [False] * 9 + [True]


async def test_a_service_reads_its_own_places_left_and_no_other_services(
    admin_client, service_client, db, app, sessionmaker
):
    campaign_id = await _campaign_id(db)
    own = service_client.account.organisation_id
    await admin_client.put(
        f"/api/v1/organisations/{own}/capacities/{campaign_id}", json={"capacity": 4}
    )
    mine = await service_client.get(f"/api/v1/organisations/{own}/capacities")
    assert mine.status_code == 200
    assert [(c["capacity"], c["remaining"]) for c in mine.json()] == [(4, 4)]
    (other,) = await service_clients(app, sessionmaker, 1)
    try:
        refused = await other.get(f"/api/v1/organisations/{own}/capacities")
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"
    finally:
        await close(other)


async def test_accepting_beyond_the_capacity_answers_capacity_full(
    admin_client, school_client, service_client, db
):
    school_id = school_client.account.organisation_id
    first = await a_request(db, school_id)
    second = await a_request(db, school_id, campaign=first.campaign)
    service_id = service_client.account.organisation_id
    await admin_client.put(
        f"/api/v1/organisations/{service_id}/capacities/{first.campaign.id}",
        json={"capacity": 1},
    )
    for setup in (first, second):
        assert (await invite(service_client, setup.id)).status_code == 201
    assert (await accept(service_client, first.id)).status_code == 200

    full = await accept(service_client, second.id)
    assert full.status_code == 409
    assert full.json()["code"] == "capacity_full"
    still_invited = await service_client.get(path(second.id))
    assert still_invited.json()["status"] == "invited"

    # A release gives the place back.
    assert (await release(service_client, first.id)).status_code == 200
    assert (await accept(service_client, second.id)).status_code == 200
    left = await service_client.get(f"/api/v1/organisations/{service_id}/capacities")
    assert left.json()[0]["remaining"] == 0


@pytest.mark.skipif(not IS_POSTGRES, reason="real concurrent transactions need PostgreSQL")
async def test_one_service_accepting_many_at_once_stops_at_its_capacity(settings, committed):
    app = create_app(settings, sessionmaker=committed)
    async with committed() as session:
        school = await factories.account(session, "school")
        service = await factories.account(session, "service")
        campaign = await factories.campaign(session)
        supervisor = await factories.supervisor(session, school.organisation_id)
        await capacity.set_capacity(session, service.organisation_id, campaign.id, 1)
        request_ids = []
        for _ in range(6):
            request = await factories.placement_request(
                session,
                campaign_id=campaign.id,
                school_id=school.organisation_id,
                supervisor_id=supervisor.id,
                state=RequestState.invited,
            )
            session.add(
                Invitation(
                    request_id=request.id,
                    service_id=service.organisation_id,
                    invited_at=clock.now() - timedelta(hours=1),
                )
            )
            request_ids.append(request.id)
        await session.commit()

    clients = [make_client(app) for _ in request_ids]
    try:
        token = await factories.login(clients[0], service.email)
        barrier = asyncio.Barrier(len(clients))

        async def at_once(client, request_id):
            client.headers["Authorization"] = f"Bearer {token}"
            await barrier.wait()
            return await accept(client, request_id)

        responses = await asyncio.gather(
            *(at_once(c, r) for c, r in zip(clients, request_ids, strict=True))
        )
    finally:
        await close(*clients)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 5
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"capacity_full"}
    async with committed() as session:
        accepted = await session.scalar(
            select(func.count())
            .select_from(PlacementRequest)
            .where(PlacementRequest.accepted_service_id == service.organisation_id)
        )
    assert accepted == 1

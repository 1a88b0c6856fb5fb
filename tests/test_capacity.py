"""A service's capacity per campaign: set by the admin, never overbooked."""

import asyncio

import pytest

from backend.organisations import capacity
from tests import factories
from tests.conftest import IS_POSTGRES


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

"""Another school gets 404 for every request and supervisor of this one, reading and writing
alike, exactly as for an id that does not exist."""

import uuid

import pytest

from tests import factories
from tests.schools_helpers import REQUESTS, create, ready, url

SUPERVISORS = "/api/v1/supervisors"


@pytest.fixture
async def theirs(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    created = await create(school_client, setup.supervisor_id)
    assert created.status_code == 201
    return created.json()["id"], setup.supervisor_id


async def _answers(client, request_id, supervisor_id):
    return [
        await client.get(url(request_id)),
        await client.patch(url(request_id), json={"hours_per_week": 10}, headers={"If-Match": "1"}),
        await client.delete(url(request_id)),
        await client.get(url(request_id, "history")),
        await client.get(f"{SUPERVISORS}/{supervisor_id}"),
        await client.patch(f"{SUPERVISORS}/{supervisor_id}", json={"first_name": "X"}),
        await client.delete(f"{SUPERVISORS}/{supervisor_id}"),
    ]


async def test_other_school_gets_404_like_a_missing_id(other_school_client, theirs):
    request_id, supervisor_id = theirs
    foreign = await _answers(other_school_client, request_id, supervisor_id)
    missing = await _answers(other_school_client, uuid.uuid4(), uuid.uuid4())
    for got, absent in zip(foreign, missing, strict=True):
        assert got.status_code == 404, got.request.method + " " + str(got.request.url)
        assert got.json() == absent.json()


async def test_nothing_changed_and_nothing_listed(school_client, other_school_client, theirs):
    request_id, supervisor_id = theirs
    await _answers(other_school_client, request_id, supervisor_id)
    mine = await school_client.get(url(request_id))
    assert mine.status_code == 200 and mine.json()["version"] == 1
    assert (await school_client.get(f"{SUPERVISORS}/{supervisor_id}")).json()[
        "first_name"
    ] == "Greet"
    assert (await other_school_client.get(REQUESTS)).json()["total"] == 0
    assert (await other_school_client.get(SUPERVISORS)).json()["total"] == 0
    export = await other_school_client.get(f"{REQUESTS}/export")
    assert export.status_code == 200 and "Lotte" not in export.text


async def test_a_school_cannot_use_another_schools_supervisor(other_school_client, db, theirs):
    _, supervisor_id = theirs
    await factories.campaign(db, "stage")
    await db.commit()
    response = await create(other_school_client, supervisor_id, track="stage")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "supervisor_id",
            "code": "unknown_supervisor",
            "message": "Not a supervisor of the school",
        }
    ]


async def test_services_cannot_write_a_schools_request(service_client, admin_client, theirs):
    request_id, supervisor_id = theirs
    assert (
        await service_client.patch(
            url(request_id), json={"hours_per_week": 1}, headers={"If-Match": "1"}
        )
    ).status_code == 403
    assert (await service_client.delete(url(request_id))).status_code == 403
    assert (await service_client.get(url(request_id, "history"))).status_code == 403
    assert (await service_client.get(f"{SUPERVISORS}/{supervisor_id}")).status_code == 403
    assert (await admin_client.delete(url(request_id))).status_code == 403

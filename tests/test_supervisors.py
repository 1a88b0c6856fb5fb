"""A school manages its supervisors in any phase; one that a request refers to stays."""

import pytest

from tests import factories
from tests.schools_helpers import create, ready

SUPERVISORS = "/api/v1/supervisors"
BODY = {
    "first_name": "Greet",
    "last_name": "Claes",
    "phone": "050 12 34 56",
    "email": "Greet.Claes@School.be",
}


async def test_create_list_get_patch_delete(school_client):
    created = await school_client.post(SUPERVISORS, json=BODY)
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["phone"] == "+3250123456"
    assert data["email"] == "Greet.Claes@school.be"
    assert data["request_count"] == 0
    listed = (await school_client.get(SUPERVISORS)).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == data["id"]
    patched = await school_client.patch(f"{SUPERVISORS}/{data['id']}", json={"last_name": "Claeys"})
    assert patched.status_code == 200 and patched.json()["last_name"] == "Claeys"
    assert (await school_client.delete(f"{SUPERVISORS}/{data['id']}")).status_code == 204
    assert (await school_client.get(f"{SUPERVISORS}/{data['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"first_name": "  "}, {"first_name"}),
        ({"last_name": ""}, {"last_name"}),
        ({"phone": "123"}, {"phone"}),
        ({"email": "greet@"}, {"email"}),
        ({"phone": "abc", "email": "x"}, {"phone", "email"}),
        ({"school_id": "x"}, {"school_id"}),
    ],
)
async def test_validation(school_client, changes, fields):
    response = await school_client.post(SUPERVISORS, json={**BODY, **changes})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == fields


async def test_patch_cannot_blank_a_field(school_client):
    data = (await school_client.post(SUPERVISORS, json=BODY)).json()
    for changes in ({"phone": None}, {"email": "nope"}, {"first_name": ""}):
        response = await school_client.patch(f"{SUPERVISORS}/{data['id']}", json=changes)
        assert response.status_code == 422, changes


async def test_in_use_cannot_be_deleted(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    assert (await create(school_client, setup.supervisor_id)).status_code == 201
    response = await school_client.delete(f"{SUPERVISORS}/{setup.supervisor_id}")
    assert response.status_code == 409 and response.json()["code"] == "supervisor_in_use"
    assert (await school_client.get(f"{SUPERVISORS}/{setup.supervisor_id}")).json()[
        "request_count"
    ] == 1


async def test_withdrawn_requests_still_keep_their_supervisor(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    created = (await create(school_client, setup.supervisor_id)).json()
    assert (
        await school_client.delete(f"/api/v1/placement-requests/{created['id']}")
    ).status_code == 204
    response = await school_client.delete(f"{SUPERVISORS}/{setup.supervisor_id}")
    assert response.status_code == 409 and response.json()["code"] == "supervisor_in_use"


async def test_managed_in_any_phase(school_client, db):
    await factories.campaign(db, "duaal", phase="closed")
    await db.commit()
    assert (await school_client.post(SUPERVISORS, json=BODY)).status_code == 201


async def test_only_schools(service_client, admin_client):
    assert (await service_client.get(SUPERVISORS)).status_code == 403
    assert (await admin_client.post(SUPERVISORS, json=BODY)).status_code == 403


async def test_list_is_paginated_and_searchable(school_client):
    for name in ("Anna", "Bart", "Chris"):
        await school_client.post(SUPERVISORS, json={**BODY, "first_name": name, "last_name": name})
    page = (await school_client.get(SUPERVISORS, params={"page_size": 2, "page": 2})).json()
    assert page["total"] == 3 and [s["first_name"] for s in page["items"]] == ["Chris"]
    found = (await school_client.get(SUPERVISORS, params={"q": "bar"})).json()
    assert [s["first_name"] for s in found["items"]] == ["Bart"]

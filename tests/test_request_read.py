"""`RequestRead` documents the request every endpoint answers (the OpenAPI document), and each
viewer's answer holds to it with exactly the optional fields SPEC section 5 gives that viewer.
(tests/conftest.py checks every answer of the suite against the model as well.)"""

import pytest
from pydantic import ValidationError

from backend.placements.schemas import RequestRead
from tests import factories
from tests.conftest import make_client
from tests.services_helpers import arrange

OPTIONAL = {
    *("street", "national_number", "phone", "email", "acceptance", "releases", "withdrawn_at"),
    "agreement_url",
}
# The optional fields each viewer gets of a request another service accepted... or "me" did.
EXPECTED = {
    "school": {
        *("street", "national_number", "phone", "email", "acceptance", "releases"),
        "agreement_url",
    },
    "admin": {"street", "acceptance", "releases", "withdrawn_at"},
    "accepter": {"street", "national_number", "phone", "email", "acceptance", "agreement_url"},
    "other_service": set(),
}


async def _detail(app, email: str, request_id: str) -> dict:
    async with make_client(app) as client:
        client.headers["Authorization"] = f"Bearer {await factories.login(client, email)}"
        response = await client.get(f"/api/v1/placement-requests/{request_id}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("viewer", EXPECTED)
async def test_each_viewer_gets_the_documented_fields_and_no_other(app, db, viewer):
    school = await factories.account(db, "school")
    accepter = await factories.account(db, "service", postcode="8400")
    other = await factories.account(db, "service", postcode="8000")
    setup = await arrange(
        db,
        "accepted_by_me",
        school_id=school.organisation_id,
        me=accepter.organisation_id,
        other=other.organisation_id,
    )
    accounts = {
        "school": school,
        "admin": await factories.account(db, "admin"),
        "accepter": accepter,
        "other_service": other,
    }
    body = await _detail(app, accounts[viewer].email, setup.id)

    read = RequestRead.model_validate(body)
    assert read.status == "accepted"
    assert set(body) & OPTIONAL == EXPECTED[viewer]
    assert all(i.outcome in ("accepted", "placed_elsewhere") for i in read.invitations)


def test_a_hidden_field_is_absent_never_null():
    body = {"street": None}
    with pytest.raises(ValidationError) as raised:
        RequestRead.model_validate(body)
    assert any(e["loc"] == ("street",) for e in raised.value.errors())


async def test_the_openapi_document_names_the_model_for_every_endpoint_of_a_request(client):
    spec = (await client.get("/api/v1/openapi.json")).json()
    ref = "#/components/schemas/RequestRead"
    paths = spec["paths"]
    single = [
        paths["/api/v1/placement-requests"]["post"],
        paths["/api/v1/placement-requests/{request_id}"]["get"],
        paths["/api/v1/placement-requests/{request_id}"]["patch"],
        paths["/api/v1/placement-requests/{request_id}/invitations"]["post"],
        paths["/api/v1/placement-requests/{request_id}/invitations/mine/withdraw"]["post"],
        paths["/api/v1/placement-requests/{request_id}/invitations/mine/decline"]["post"],
        paths["/api/v1/placement-requests/{request_id}/acceptance"]["post"],
        paths["/api/v1/placement-requests/{request_id}/acceptance/release"]["post"],
    ]
    for operation in single:
        schema = operation["responses"]["200" if "200" in operation["responses"] else "201"]
        assert schema["content"]["application/json"]["schema"]["$ref"] == ref, operation
    page = paths["/api/v1/placement-requests"]["get"]["responses"]["200"]
    page_ref = page["content"]["application/json"]["schema"]["$ref"]
    page_schema = spec["components"]["schemas"][page_ref.rsplit("/", 1)[1]]
    assert page_schema["properties"]["items"]["items"]["$ref"] == ref
    read = spec["components"]["schemas"]["RequestRead"]
    assert set(read["properties"]["status"]["$ref"].split("/")[-1:]) == {"RequestStatus"}
    assert "street" not in read["required"] and "default" not in read["properties"]["street"]

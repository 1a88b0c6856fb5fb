"""The attack: an admin's password alone (phished, guessed, reused) opens the administrative
interface. With ADMIN_MFA_REQUIRED (production's default, OWASP ASVS 4.3.1) an admin who has
not enrolled the second factor reaches nothing but who-am-I and the enrolment, whatever the
endpoint (the gate fails closed), and an admin who has enrolled needs the code to sign in."""

import json

import pytest

from tests.factories import PASSWORD
from tests.mfa_helpers import code, enrol, login, mfa_required, require_mfa  # noqa: F401
from tests.services_helpers import streaming_client

pytestmark = pytest.mark.usefixtures("mfa_required")

# A sample of what an admin reaches: its own endpoints and the shared ones.
ADMIN_PAGES = [
    "/api/v1/admin/dashboard",
    "/api/v1/admin/audit",
    "/api/v1/admin/outbox",
    "/api/v1/organisations",
    "/api/v1/campaigns",
    "/api/v1/placement-requests",
    "/api/v1/api-tokens",
]


async def test_an_admin_without_the_second_factor_reaches_only_the_enrolment(admin_client):
    for path in ADMIN_PAGES:
        response = await admin_client.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "mfa_enrollment_required", path
    school = {"kind": "school", "name": "KTA Ieper", "email": "kta@example.be", "postcode": "8900"}
    created = await admin_client.post("/api/v1/organisations", json=school)
    assert created.json()["code"] == "mfa_enrollment_required"
    changed = await admin_client.patch("/api/v1/me", json={"language": "en"})
    assert changed.json()["code"] == "mfa_enrollment_required"

    me = await admin_client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["mfa_enrollment_required"] is True
    assert me.json()["mfa_enabled"] is False


async def test_the_event_stream_is_closed_to_an_admin_without_it(app, admin_client):
    token = admin_client.headers["Authorization"].removeprefix("Bearer ")
    async with (
        streaming_client(app, token) as stream_client,
        stream_client.stream("GET", "/api/v1/events") as response,
    ):
        assert response.status_code == 403
        assert json.loads(await response.aread())["code"] == "mfa_enrollment_required"


async def test_after_enrolling_the_admin_works_and_signs_in_with_a_code(admin_client, client):
    secret = await enrol(admin_client)
    assert (await admin_client.get("/api/v1/admin/dashboard")).status_code != 403
    assert (await admin_client.get("/api/v1/organisations")).status_code == 200
    me = (await admin_client.get("/api/v1/me")).json()
    assert me["mfa_enrollment_required"] is False and me["mfa_enabled"] is True

    email = admin_client.account.email
    assert (await login(client, email, None)).json()["code"] == "mfa_required"
    assert (await login(client, email, secret)).status_code == 200
    # An admin cannot turn it off while it is required.
    off = await admin_client.request(
        "DELETE", "/api/v1/me/mfa", json={"password": PASSWORD, "code": code(secret)}
    )
    assert (off.status_code, off.json()["code"]) == (409, "mfa_required_for_admins")


async def test_an_admin_api_token_waits_for_its_creator_to_enrol(app, admin_client):
    """A token made before the requirement was turned on does not get around it."""
    require_mfa(app, False)
    created = await admin_client.post("/api/v1/api-tokens", json={"name": "s", "read_only": True})
    assert created.status_code == 201, created.text
    require_mfa(app)

    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    refused = await admin_client.get("/api/v1/organisations", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_enrollment_required")
    await enrol(admin_client)
    assert (await admin_client.get("/api/v1/organisations", headers=headers)).status_code == 200


async def test_other_roles_are_not_asked_to_enrol(school_client):
    assert (await school_client.get("/api/v1/supervisors")).status_code == 200
    assert (await school_client.get("/api/v1/me")).json()["mfa_enrollment_required"] is False

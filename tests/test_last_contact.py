"""A service's accept dialog starts from the contact person of its latest acceptance; only the
service itself and the admin read it."""

from tests.services_helpers import a_request, accept, invite, service_clients


async def test_the_last_contact_is_the_latest_acceptances_and_the_services_own(
    app, sessionmaker, service_client, school_client, admin_client, db
):
    me = service_client.account.organisation_id
    path = f"/api/v1/organisations/{me}/last-contact"
    before = await service_client.get(path)
    assert before.json() == {"name": None, "phone": None, "email": None}

    setup = await a_request(db, school_client.account.organisation_id)
    assert (await invite(service_client, setup.id)).status_code == 201
    assert (await accept(service_client, setup.id)).status_code == 200
    after = await service_client.get(path)
    assert after.json() == {
        "name": "An Peeters",
        "phone": "+3250123456",
        "email": after.json()["email"],
    }
    assert (await admin_client.get(path)).json() == after.json()

    [other] = await service_clients(app, sessionmaker, 1)
    try:
        refused = await other.get(path)
        assert refused.status_code == 403
    finally:
        await other.aclose()

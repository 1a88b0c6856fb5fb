"""A school learns what became of its pupil's invitations: which service declined (and why,
in the history) and which service undid its acceptance (`releases`, and why in the history).
A service never sees another service's release."""

from tests.services_helpers import a_request, accept, close, decline, invite, path, release
from tests.services_helpers import service_clients as make_service_clients


async def test_the_school_sees_a_decline_and_a_release_with_their_reasons(
    app, sessionmaker, db, school_client
):
    setup = await a_request(db, school_client.account.organisation_id)
    decliner, releaser, third = await make_service_clients(app, sessionmaker, 3)
    names = []
    for service in (decliner, releaser):
        invited = await invite(service, setup.id)
        assert invited.status_code == 201
        names.append(invited.json()["invitations"][0]["service"]["name"])
    assert (await decline(decliner, setup.id, "Geen plaats op woensdag")).status_code == 200
    assert (await accept(releaser, setup.id)).status_code == 200
    assert (await release(releaser, setup.id, "Onze begeleider valt uit")).status_code == 200

    shown = (await school_client.get(path(setup.id))).json()
    declined = [i for i in shown["invitations"] if i["outcome"] == "declined"]
    assert [i["service"]["name"] for i in declined] == [names[0]]
    assert [r["service"]["name"] for r in shown["releases"]] == [names[1]]
    assert shown["status"] == "open" and shown["acceptance"] is None

    history = (await school_client.get(path(setup.id, "history"))).json()["items"]
    reasons = {e["kind"]: e["details"].get("reason") for e in history}
    assert reasons["declined"] == "Geen plaats op woensdag"
    assert reasons["released"] == "Onze begeleider valt uit"

    # Another service knows the request (it is listed again) but not who released it.
    assert "releases" not in (await third.get(path(setup.id))).json()
    await close(decliner, releaser, third)

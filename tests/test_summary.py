"""The start pages' counts (`GET /placement-requests/summary`): per status as the caller may
know them, each equal to the list its filter opens; a school counts only its own pupils."""

from datetime import timedelta

from backend import clock
from backend.organisations.models import ServiceCapacity
from tests import factories
from tests.schools_helpers import REQUESTS, ready
from tests.services_helpers import invite

SUMMARY = f"{REQUESTS}/summary"


async def _pupils(db, school_id, campaign, supervisor, n):
    made = []
    for _ in range(n):
        made.append(
            await factories.placement_request(
                db, campaign_id=campaign.id, school_id=school_id, supervisor_id=supervisor.id
            )
        )
    return made


async def test_a_school_counts_only_its_own_pupils(
    school_client, other_school_client, service_client, db
):
    setup = await ready(db, school_client.account.organisation_id)
    mine = await _pupils(
        db, school_client.account.organisation_id, setup.campaign, setup.supervisor, 3
    )
    other_supervisor = await factories.supervisor(db, other_school_client.account.organisation_id)
    await _pupils(
        db, other_school_client.account.organisation_id, setup.campaign, other_supervisor, 2
    )
    await db.commit()
    assert (await invite(service_client, mine[0].id)).status_code == 201

    body = (await school_client.get(SUMMARY, params={"track": "duaal"})).json()
    assert body["by_status"] == {"open": 2, "invited": 1, "accepted": 0, "not_placed": 0}
    assert body["mine"] is None and body["places_left"] is None
    assert body["deadline_near"] is False
    # Each count is the length of the overview its link opens.
    for status, count in body["by_status"].items():
        listed = await school_client.get(REQUESTS, params={"track": "duaal", "status": status})
        assert listed.json()["total"] == count

    other = (await other_school_client.get(SUMMARY, params={"track": "duaal"})).json()
    assert other["by_status"] == {"open": 2, "invited": 0, "accepted": 0, "not_placed": 0}
    empty = (await school_client.get(SUMMARY, params={"track": "stage"})).json()
    assert sum(empty["by_status"].values()) == 0 and empty["campaign_id"] is None


async def test_a_service_sees_its_invited_pupils_places_and_the_deadline(
    school_client, service_client, db
):
    setup = await ready(db, school_client.account.organisation_id)
    pupils = await _pupils(
        db, school_client.account.organisation_id, setup.campaign, setup.supervisor, 3
    )
    db.add(
        ServiceCapacity(
            service_id=service_client.account.organisation_id,
            campaign_id=setup.campaign.id,
            capacity=4,
            used=1,
        )
    )
    setup.campaign.decision_deadline = clock.now() + timedelta(days=6)
    await db.commit()
    for pupil in pupils[:2]:
        assert (await invite(service_client, pupil.id)).status_code == 201

    body = (await service_client.get(SUMMARY, params={"track": "duaal"})).json()
    assert body["mine"] == {"invited": 2, "accepted": 0}
    assert body["by_status"]["open"] == 1 and body["by_status"]["invited"] == 2
    assert body["places_left"] == 3
    assert body["deadline_near"] is True
    invited = await service_client.get(REQUESTS, params={"track": "duaal", "mine": "invited"})
    assert invited.json()["total"] == 2

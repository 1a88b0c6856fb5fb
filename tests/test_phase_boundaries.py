"""The deadlines in Europe/Brussels: creation stops one second after the request deadline
(across the autumn DST change), edits and withdrawals of requests not accepted go on until
the decision deadline."""

from datetime import UTC, datetime, timedelta

import pytest

from backend import clock
from tests import factories
from tests.schools_helpers import REQUESTS, body, url

# Summer time ended on 2025-10-26 at 03:00 (CEST -> CET): the end of that day is 22:59:59 UTC,
# one hour later than it would have been the day before.
REQUEST_DEADLINE_UTC = datetime(2025, 10, 26, 22, 59, 59, tzinfo=UTC)
DECISION_DEADLINE_UTC = datetime(2025, 11, 30, 11, 0, 0, tzinfo=UTC)  # 12:00 CET


@pytest.fixture
async def campaign(admin_client, school_client, db):
    clock.freeze(datetime(2025, 9, 1, 10, 0, tzinfo=UTC))
    response = await admin_client.post(
        "/api/v1/campaigns",
        json={
            "school_year": "2025-2026",
            "track": "duaal",
            "opens_at": "2025-06-01",
            "request_deadline": "2025-10-26",
            "decision_deadline": "2025-11-30",
        },
    )
    assert response.status_code == 201, response.text
    data = response.json()
    assert datetime.fromisoformat(data["request_deadline"]) == REQUEST_DEADLINE_UTC
    assert datetime.fromisoformat(data["decision_deadline"]) == DECISION_DEADLINE_UTC
    supervisor = await factories.supervisor(db, school_client.account.organisation_id)
    await db.commit()
    return data, supervisor.id


async def test_creation_allowed_at_the_deadline_refused_a_second_later(school_client, campaign):
    _, supervisor_id = campaign
    clock.freeze(REQUEST_DEADLINE_UTC)
    at_deadline = await school_client.post(REQUESTS, json=body(supervisor_id, n=101))
    assert at_deadline.status_code == 201, at_deadline.text

    clock.freeze(REQUEST_DEADLINE_UTC + timedelta(seconds=1))
    late = await school_client.post(REQUESTS, json=body(supervisor_id, n=102))
    assert late.status_code == 409
    problem = late.json()
    assert problem["code"] == "phase_closed"
    assert problem["deadline_name"] == "request_deadline"
    assert datetime.fromisoformat(problem["deadline"]) == REQUEST_DEADLINE_UTC


async def test_before_opening_creation_names_the_opening(school_client, campaign):
    _, supervisor_id = campaign
    clock.freeze(datetime(2025, 5, 31, 21, 59, 59, tzinfo=UTC))  # 23:59:59 CEST, the eve
    early = await school_client.post(REQUESTS, json=body(supervisor_id, n=103))
    assert early.status_code == 409 and early.json()["deadline_name"] == "opens_at"
    clock.freeze(datetime(2025, 5, 31, 22, 0, 0, tzinfo=UTC))  # 00:00 CEST on 1 June
    assert (await school_client.post(REQUESTS, json=body(supervisor_id, n=103))).status_code == 201


async def test_edits_and_withdrawal_until_the_decision_deadline(school_client, campaign):
    _, supervisor_id = campaign
    clock.freeze(datetime(2025, 10, 1, 12, 0, tzinfo=UTC))
    first = (await school_client.post(REQUESTS, json=body(supervisor_id, n=104))).json()
    second = (await school_client.post(REQUESTS, json=body(supervisor_id, n=105))).json()

    clock.freeze(DECISION_DEADLINE_UTC - timedelta(seconds=1))
    edit = await school_client.patch(
        url(first["id"]), json={"hours_per_week": 12}, headers={"If-Match": "1"}
    )
    assert edit.status_code == 200, edit.text
    assert edit.json()["campaign"]["phase"] == "decisions_open"

    clock.freeze(DECISION_DEADLINE_UTC)
    late = await school_client.patch(
        url(first["id"]), json={"hours_per_week": 16}, headers={"If-Match": "2"}
    )
    assert late.status_code == 409 and late.json()["code"] == "phase_closed"
    assert late.json()["deadline_name"] == "decision_deadline"
    gone = await school_client.delete(url(second["id"]))
    assert gone.status_code == 409 and gone.json()["code"] == "phase_closed"
    # Read-only now: the school still sees its pupils, as not placed.
    assert (await school_client.get(url(first["id"]))).json()["status"] == "not_placed"


async def test_withdraw_allowed_after_the_request_deadline(school_client, campaign):
    _, supervisor_id = campaign
    clock.freeze(datetime(2025, 10, 1, 12, 0, tzinfo=UTC))
    created = (await school_client.post(REQUESTS, json=body(supervisor_id, n=106))).json()
    clock.freeze(REQUEST_DEADLINE_UTC + timedelta(days=1))
    assert (await school_client.delete(url(created["id"]))).status_code == 204


async def test_moving_the_deadline_reopens_creation(admin_client, school_client, campaign):
    data, supervisor_id = campaign
    clock.freeze(REQUEST_DEADLINE_UTC + timedelta(hours=1))
    assert (await school_client.post(REQUESTS, json=body(supervisor_id, n=107))).status_code == 409
    moved = await admin_client.patch(
        f"/api/v1/campaigns/{data['id']}", json={"request_deadline": "2025-10-27T12:00:00+01:00"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["phase"] == "requests_open"
    assert (await school_client.post(REQUESTS, json=body(supervisor_id, n=107))).status_code == 201

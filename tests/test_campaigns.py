"""The admin sets campaigns (school year, track, three moments in Brussels time); everyone
signed in reads them with their phase."""

from datetime import UTC, datetime, timedelta

import pytest

from backend import clock

CAMPAIGNS = "/api/v1/campaigns"

BODY = {
    "school_year": "2026-2027",
    "track": "duaal",
    "opens_at": "2026-06-01",
    "request_deadline": "2026-11-15",
    "decision_deadline": "2026-11-30",
}


async def test_dates_mean_brussels_moments(admin_client):
    response = await admin_client.post(CAMPAIGNS, json=BODY)
    assert response.status_code == 201, response.text
    data = response.json()
    assert datetime.fromisoformat(data["opens_at"]) == datetime(2026, 5, 31, 22, 0, tzinfo=UTC)
    assert datetime.fromisoformat(data["request_deadline"]) == datetime(
        2026, 11, 15, 22, 59, 59, tzinfo=UTC
    )
    assert datetime.fromisoformat(data["decision_deadline"]) == datetime(
        2026, 11, 30, 11, 0, tzinfo=UTC
    )


async def test_offsets_and_naive_times(admin_client):
    response = await admin_client.post(
        CAMPAIGNS,
        json={
            **BODY,
            "track": "stage",
            "opens_at": "2026-06-01T09:00:00",  # Brussels wall time (CEST)
            "request_deadline": "2026-11-15T23:00:00Z",
            "decision_deadline": "2026-11-30T12:00:00+01:00",
        },
    )
    assert response.status_code == 201, response.text
    data = response.json()
    assert datetime.fromisoformat(data["opens_at"]) == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    assert datetime.fromisoformat(data["request_deadline"]) == datetime(
        2026, 11, 15, 23, 0, tzinfo=UTC
    )


async def test_phase_and_next_deadline_follow_the_clock(admin_client, school_client):
    # Moments in the past, so the clock only moves back (tokens expire by our clock).
    now = clock.now().replace(microsecond=0)
    moments = {
        "opens_at": now - timedelta(days=4),
        "request_deadline": now - timedelta(days=3),
        "decision_deadline": now - timedelta(days=2),
    }
    created = (
        await admin_client.post(
            CAMPAIGNS, json={**BODY, **{k: v.isoformat() for k, v in moments.items()}}
        )
    ).json()
    for at, phase, next_deadline in [
        (now - timedelta(days=5), "before_open", created["opens_at"]),
        (now - timedelta(days=3, hours=12), "requests_open", created["request_deadline"]),
        (now - timedelta(days=2, hours=12), "decisions_open", created["decision_deadline"]),
        (now - timedelta(days=1), "closed", None),
    ]:
        clock.freeze(at)
        listed = (await school_client.get(CAMPAIGNS)).json()
        [item] = [c for c in listed["items"] if c["id"] == created["id"]]
        assert (item["phase"], item["next_deadline"]) == (phase, next_deadline)
        current = await school_client.get(f"{CAMPAIGNS}/current", params={"track": "duaal"})
        assert current.json()["id"] == created["id"]


async def test_current_prefers_the_working_campaign(admin_client, school_client):
    clock.freeze(datetime(2026, 9, 1, tzinfo=UTC))
    old = {
        **BODY,
        "school_year": "2025-2026",
        "opens_at": "2025-06-01",
        "request_deadline": "2025-11-15",
        "decision_deadline": "2025-11-30",
    }
    assert (await admin_client.post(CAMPAIGNS, json=old)).status_code == 201
    now = (await admin_client.post(CAMPAIGNS, json=BODY)).json()
    assert (await school_client.get(f"{CAMPAIGNS}/current", params={"track": "duaal"})).json()[
        "id"
    ] == now["id"]
    none = await school_client.get(f"{CAMPAIGNS}/current", params={"track": "stage"})
    assert none.status_code == 404


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"request_deadline": "2026-05-01"}, {"request_deadline"}),
        ({"decision_deadline": "2026-11-15"}, {"decision_deadline"}),
        (
            {"opens_at": "2026-12-01"},
            {"request_deadline", "decision_deadline"} - {"decision_deadline"},
        ),
        ({"school_year": "2026-2028"}, {"school_year"}),
    ],
)
async def test_order_and_school_year_are_checked(admin_client, changes, fields):
    response = await admin_client.post(CAMPAIGNS, json={**BODY, **changes})
    assert response.status_code == 422, response.text
    assert {e["field"] for e in response.json()["errors"]} == fields


async def test_shape_errors(admin_client):
    for changes in (
        {"school_year": "26-27"},
        {"track": "zomer"},
        {"opens_at": "1 juni"},
        {"phase": "closed"},
    ):
        response = await admin_client.post(CAMPAIGNS, json={**BODY, **changes})
        assert response.status_code == 422 and response.json()["code"] == "validation_error"


async def test_one_campaign_per_year_and_track(admin_client):
    assert (await admin_client.post(CAMPAIGNS, json=BODY)).status_code == 201
    again = await admin_client.post(CAMPAIGNS, json=BODY)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_campaign"
    assert (await admin_client.post(CAMPAIGNS, json={**BODY, "track": "stage"})).status_code == 201


async def test_admin_moves_deadlines_keeping_the_order(admin_client):
    created = (await admin_client.post(CAMPAIGNS, json=BODY)).json()
    moved = await admin_client.patch(
        f"{CAMPAIGNS}/{created['id']}", json={"request_deadline": "2026-11-20"}
    )
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["request_deadline"]) == datetime(
        2026, 11, 20, 22, 59, 59, tzinfo=UTC
    )
    wrong = await admin_client.patch(
        f"{CAMPAIGNS}/{created['id']}", json={"decision_deadline": "2026-11-01"}
    )
    assert wrong.status_code == 422
    fixed_track = await admin_client.patch(f"{CAMPAIGNS}/{created['id']}", json={"track": "stage"})
    assert fixed_track.status_code == 422


async def test_only_the_admin_writes(school_client, service_client, admin_client):
    assert (await school_client.post(CAMPAIGNS, json=BODY)).status_code == 403
    created = (await admin_client.post(CAMPAIGNS, json=BODY)).json()
    assert (
        await service_client.patch(f"{CAMPAIGNS}/{created['id']}", json={"opens_at": "2026-06-02"})
    ).status_code == 403
    assert (await service_client.get(f"{CAMPAIGNS}/{created['id']}")).status_code == 200


async def test_signed_out_reads_nothing(client):
    assert (await client.get(CAMPAIGNS)).status_code == 401


async def test_deadline_seconds_are_inclusive(admin_client):
    created = (await admin_client.post(CAMPAIGNS, json=BODY)).json()
    deadline = datetime.fromisoformat(created["request_deadline"])
    clock.freeze(deadline)
    assert (await admin_client.get(f"{CAMPAIGNS}/{created['id']}")).json()[
        "phase"
    ] == "requests_open"
    clock.freeze(deadline + timedelta(seconds=1))
    assert (await admin_client.get(f"{CAMPAIGNS}/{created['id']}")).json()[
        "phase"
    ] == "decisions_open"


async def test_copy_last_years_campaign_a_year_later(admin_client, school_client):
    last_year = {
        "school_year": "2025-2026",
        "track": "stage",
        "opens_at": "2025-06-01",
        "request_deadline": "2025-11-15",
        "decision_deadline": "2025-11-30",
    }
    source = (await admin_client.post(CAMPAIGNS, json=last_year)).json()
    copied = await admin_client.post(f"{CAMPAIGNS}/{source['id']}/copy")
    assert copied.status_code == 201
    body = copied.json()
    assert (body["school_year"], body["track"]) == ("2026-2027", "stage")
    # The same Brussels wall times: 00:00, 23:59:59 and 12:00 (UTC+2 in June, +1 in November).
    assert body["opens_at"] == "2026-05-31T22:00:00Z"
    assert body["request_deadline"] == "2026-11-15T22:59:59Z"
    assert body["decision_deadline"] == "2026-11-30T11:00:00Z"

    again = await admin_client.post(f"{CAMPAIGNS}/{source['id']}/copy")
    assert again.status_code == 409 and again.json()["code"] == "duplicate_campaign"
    refused = await school_client.post(f"{CAMPAIGNS}/{body['id']}/copy")
    assert refused.status_code == 403
    missing = await admin_client.post(f"{CAMPAIGNS}/00000000-0000-4000-8000-000000000000/copy")
    assert missing.status_code == 404

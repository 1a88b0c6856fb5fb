"""Live updates: `GET /api/v1/events` streams server-sent events telling a signed-in
organisation that something it may see changed; through Redis when several processes run."""

import asyncio
import json
import uuid

import pytest

from backend.events import broker as events
from backend.events import stream as events_stream
from tests import factories
from tests.services_helpers import ACCEPT_BODY, a_request, accept, invite, streaming_client

URL = "/api/v1/events"
TIMEOUT = 5


async def _connected(lines) -> None:
    async with asyncio.timeout(TIMEOUT):
        async for line in lines:
            if line == ": connected":
                return


async def _next_event(lines, ids: list[int] | None = None) -> tuple[str, dict]:
    """The next event's name and data (comments and blank lines skipped); a kept event's
    `id:` line matches the id in its data, which is left out (and added to `ids`)."""
    name, event_id = "message", None
    async with asyncio.timeout(TIMEOUT):
        async for line in lines:
            if line.startswith("id: "):
                event_id = int(line.removeprefix("id: "))
            elif line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
                assert data.pop("id", None) == event_id
                if ids is not None and event_id is not None:
                    ids.append(event_id)
                return name, data
    raise AssertionError("the stream ended")


def _token(client) -> str:
    return client.headers["Authorization"].removeprefix("Bearer ")


async def test_a_school_hears_its_pupil_invited_and_accepted(
    app, service_client, school_client, db
):
    setup = await a_request(db, school_client.account.organisation_id)
    async with (
        streaming_client(app, _token(school_client)) as stream_client,
        stream_client.stream("GET", URL) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        await _connected(lines)

        assert (await invite(service_client, setup.id)).status_code == 201
        ids: list[int] = []
        assert await _next_event(lines, ids) == (
            "request_changed",
            {"kind": "invited", "request_id": setup.id},
        )
        assert ids, "a kept event has an id"
        assert (await accept(service_client, setup.id, ACCEPT_BODY)).status_code == 200
        assert await _next_event(lines) == (
            "request_changed",
            {"kind": "accepted", "request_id": setup.id},
        )


async def test_services_hear_the_list_change_and_other_schools_hear_nothing(
    app, service_client, school_client, other_school_client, db
):
    setup = await a_request(db, school_client.account.organisation_id)
    watcher = await factories.account(db, "service")
    await db.commit()
    async with streaming_client(app) as anonymous:
        watcher_token = await factories.login(anonymous, watcher.email)
    other_school = str(other_school_client.account.organisation_id)

    # The browser's EventSource cannot send headers: the token rides in the query.
    async with (
        streaming_client(app) as watcher_client,
        watcher_client.stream("GET", URL, params={"access_token": watcher_token}) as watching,
        streaming_client(app) as school_client_2,
        school_client_2.stream(
            "GET", URL, params={"access_token": _token(other_school_client)}
        ) as other,
    ):
        assert watching.status_code == 200 and other.status_code == 200
        watcher_lines, other_lines = watching.aiter_lines(), other.aiter_lines()
        await _connected(watcher_lines)
        await _connected(other_lines)

        await invite(service_client, setup.id)
        _, invited = await _next_event(watcher_lines)
        assert invited == {"kind": "invited", "request_id": setup.id, "available": True}
        await accept(service_client, setup.id, ACCEPT_BODY)
        _, accepted = await _next_event(watcher_lines)
        # The request left every service's list.
        assert accepted == {"kind": "accepted", "request_id": setup.id, "available": False}

        # Nothing reached the other school: the first event it reads is this marker.
        events.broker().publish([other_school], {"kind": "marker"})
        assert await _next_event(other_lines) == ("request_changed", {"kind": "marker"})


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "not_authenticated"),
        ({"access_token": ""}, "not_authenticated"),
        ({"access_token": "not-a-token"}, "token_invalid"),
    ],
    ids=["none", "empty", "bad"],
)
async def test_the_stream_needs_a_valid_token(app, params, code):
    async with streaming_client(app) as client, client.stream("GET", URL, params=params) as r:
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert json.loads(await r.aread())["code"] == code


async def test_an_idle_stream_sends_heartbeats(app, school_client, monkeypatch):
    monkeypatch.setattr(events_stream, "HEARTBEAT_SECONDS", 0.05)
    async with (
        streaming_client(app, _token(school_client)) as client,
        client.stream("GET", URL) as response,
    ):
        lines = response.aiter_lines()
        await _connected(lines)
        async with asyncio.timeout(TIMEOUT):
            async for line in lines:
                if line == ": heartbeat":
                    break
    # The client left: its subscription is gone.
    assert events.broker().subscriber_count() == 0


async def test_a_stalled_client_is_told_to_reload():
    broker = events.Broker()
    async with broker.subscribe(["org"]) as queue:
        for n in range(events.QUEUE_SIZE + 5):
            broker.publish(["org"], {"kind": "invited", "n": n})
        assert queue.qsize() < events.QUEUE_SIZE
        kinds = [queue.get_nowait()["kind"] for _ in range(queue.qsize())]
        assert kinds[0] == "resync"


async def test_events_reach_every_process_through_redis():
    # Two brokers on one Redis channel stand for two API processes.
    channel = f"stagematch-test:{uuid.uuid4()}"
    url = "redis://127.0.0.1:6379/0"
    publisher, listener = events.Broker(url, channel), events.Broker(url, channel)
    try:
        async with listener.subscribe(["school-1"]) as queue:
            publisher.publish(["school-2"], {"kind": "invited", "request_id": "elsewhere"})
            publisher.publish(["school-1", "admins"], {"kind": "invited", "request_id": "r1"})
            async with asyncio.timeout(TIMEOUT):
                event = await queue.get()
            assert event == {"kind": "invited", "request_id": "r1"}
            assert queue.empty()
    finally:
        await publisher.close()
        await listener.close()


async def test_an_api_token_streams_from_the_header_never_from_the_url(app, school_client):
    created = await school_client.post(
        "/api/v1/api-tokens", json={"name": "Dashboard", "read_only": True}
    )
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    # A long-lived API token must not travel in a URL: access logs keep URLs.
    async with (
        streaming_client(app) as client,
        client.stream("GET", URL, params={"access_token": secret}) as refused,
    ):
        assert refused.status_code == 401
        assert json.loads(await refused.aread())["code"] == "token_invalid"
    async with streaming_client(app, secret) as client, client.stream("GET", URL) as allowed:
        assert allowed.status_code == 200
        await _connected(allowed.aiter_lines())


async def test_a_reconnecting_client_gets_what_it_missed_from_last_event_id(
    app, service_client, school_client, db
):
    setup = await a_request(db, school_client.account.organisation_id)
    token = _token(school_client)
    ids: list[int] = []
    async with (
        streaming_client(app, token) as client,
        client.stream("GET", URL) as response,
    ):
        lines = response.aiter_lines()
        await _connected(lines)
        await invite(service_client, setup.id)
        assert (await _next_event(lines, ids))[1]["kind"] == "invited"
    # Disconnected: the pupil is accepted meanwhile.
    assert (await accept(service_client, setup.id, ACCEPT_BODY)).status_code == 200
    async with (
        streaming_client(app, token) as client,
        client.stream("GET", URL, headers={"Last-Event-ID": str(ids[-1])}) as response,
    ):
        lines = response.aiter_lines()
        await _connected(lines)
        # The events just before the last one seen come again (see REPLAY_OVERLAP_SECONDS),
        # then the one missed; a service's events (the list) are not the school's.
        replayed: list[dict] = []
        while not replayed or replayed[-1]["kind"] != "accepted":
            replayed.append((await _next_event(lines, ids))[1])
        assert replayed[-1] == {"kind": "accepted", "request_id": setup.id}
        assert all("available" not in event for event in replayed)
        assert ids[-1] > ids[0]


async def test_an_unknown_or_too_old_last_event_id_asks_for_a_reload(app, school_client, db):
    from backend.events.models import ChangeEvent

    async with (
        streaming_client(app, _token(school_client)) as client,
        client.stream("GET", URL, headers={"Last-Event-ID": "987654321"}) as response,
    ):
        lines = response.aiter_lines()
        await _connected(lines)
        assert await _next_event(lines) == ("changed", {"kind": "resync"})
    assert await db.get(ChangeEvent, 987654321) is None

"""Redis is a convenience, not a dependency: while it is down, live updates reach the streams of
the process that caused them, `/readyz` stays ready (Redis reported in its body) and the log
says so once; when it is back, no request fails and events cross processes again."""

import asyncio
import contextlib
import json
import logging
import uuid

import pytest

from backend.events import broker as events
from backend.main import create_app
from tests import factories
from tests.redis_server import redis_server_fixture  # noqa: F401
from tests.services_helpers import ACCEPT_BODY, a_request, accept, invite, streaming_client

TIMEOUT = 10


@pytest.fixture
def event_log():
    """The records of the live-update broker's logger."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger(events.__name__)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


async def _read(stream, received: asyncio.Queue) -> None:
    """Puts the stream's events in `received` (a queue can be waited on with a timeout;
    a stream's iterator, once cancelled, is closed)."""
    async for line in stream.aiter_lines():
        if line == ": connected":
            await received.put({"kind": "connected"})
        elif line.startswith("data: "):
            event = json.loads(line.removeprefix("data: "))
            event.pop("id", None)  # a kept event's number (test_events_stream.py checks it)
            await received.put(event)


async def _next_event(received: asyncio.Queue, timeout: float = TIMEOUT, skip: str = "") -> dict:
    async with asyncio.timeout(timeout):
        while (event := await received.get())["kind"] == skip:
            pass
    return event


async def test_live_updates_and_readiness_through_a_redis_outage(
    settings, sessionmaker, db, redis_server, event_log
):
    channel = f"stagematch-test:{uuid.uuid4()}"
    # This process's broker, and another process's on the same Redis.
    ours, theirs = (
        events.Broker(redis_server.url, channel),
        events.Broker(redis_server.url, channel),
    )
    previous = events.set_broker(ours)
    app = create_app(settings.model_copy(update={"redis_url": redis_server.url}), sessionmaker)
    school = await factories.account(db, "school")
    service = await factories.account(db, "service", postcode="8400")
    setup = await a_request(db, school.organisation_id)
    try:
        async with (
            streaming_client(app) as anonymous,
            streaming_client(app) as school_client,
            streaming_client(app) as service_client,
        ):
            school_client.headers["Authorization"] = (
                f"Bearer {await factories.login(anonymous, school.email)}"
            )
            service_client.headers["Authorization"] = (
                f"Bearer {await factories.login(anonymous, service.email)}"
            )
            async with school_client.stream("GET", "/api/v1/events") as stream:
                received: asyncio.Queue = asyncio.Queue()
                reader = asyncio.create_task(_read(stream, received))
                assert (await _next_event(received))["kind"] == "connected"
                theirs.publish([str(school.organisation_id)], {"kind": "marker"})
                assert (await _next_event(received))["kind"] == "marker"

                redis_server.stop()
                response = await invite(service_client, setup.id)
                assert response.status_code == 201, response.text
                # Heard on this process's stream although Redis is gone.
                assert await _next_event(received) == {"kind": "invited", "request_id": setup.id}
                ready = await school_client.get("/readyz")
                assert ready.status_code == 200, ready.text
                assert ready.json()["checks"]["redis"] == "unavailable"
                # The subscription retries every REDIS_RETRY_SECONDS, silently.
                await asyncio.sleep(2.5 * events.REDIS_RETRY_SECONDS)

                redis_server.start()
                # Events of other processes arrive again once the subscription is back.
                async with asyncio.timeout(TIMEOUT):
                    while True:
                        theirs.publish([str(school.organisation_id)], {"kind": "marker"})
                        with contextlib.suppress(TimeoutError):
                            if (await _next_event(received, 0.5))["kind"] == "marker":
                                break
                response = await accept(service_client, setup.id, ACCEPT_BODY)
                assert response.status_code == 200, response.text
                assert await _next_event(received, skip="marker") == {
                    "kind": "accepted",
                    "request_id": setup.id,
                }
                reader.cancel()
    finally:
        events.set_broker(previous)
        await ours.close()
        await theirs.close()

    lines_logged = [(r.levelname, r.getMessage()) for r in event_log]
    # One line when Redis went, one when it came back; no traceback.
    assert [level for level, _ in lines_logged] == ["WARNING", "INFO"], lines_logged
    assert "unavailable" in lines_logged[0][1] and "again" in lines_logged[1][1]
    assert not any(r.exc_info for r in event_log)

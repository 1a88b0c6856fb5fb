"""Two API processes on one PostgreSQL and one Redis share what must be shared: the login
lockout counts failures from both, and a live event caused through one process reaches a
subscriber of the other."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from backend.db import create_engine, create_sessionmaker
from tests import factories
from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL, fresh_database, migrate
from tests.live_server import LiveServer, server_env

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not IS_POSTGRES, reason="several processes need a database server"),
]

# db 14 of the test machine's Redis belongs to this test: flushed before it runs.
REDIS_URL = os.environ.get("TEST_MULTIPROCESS_REDIS_URL", "redis://127.0.0.1:6379/14")
DATABASE_URL = f"{TEST_DATABASE_URL}_multiprocess"
TIMEOUT = 15


def _flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture(scope="module")
def servers():
    """Two `stagematch serve` processes on a fresh database and a flushed Redis db."""
    _flush_redis()
    fresh_database(DATABASE_URL)
    migrate(DATABASE_URL)
    env = server_env(DATABASE_URL, REDIS_URL=REDIS_URL)
    pair = [LiveServer(env), LiveServer(env)]
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda server: server.start(timeout=60), pair))
        yield pair
    finally:
        for server in pair:
            server.stop()
        _flush_redis()


@pytest.fixture
async def accounts(settings, servers):
    """A school with one request in an open campaign, and a service, committed."""
    engine = create_engine(settings.model_copy(update={"database_url": DATABASE_URL}))
    try:
        async with create_sessionmaker(engine)() as session:
            school = await factories.account(session, "school")
            service = await factories.account(session, "service", postcode="8400")
            campaign = await factories.campaign(session, "duaal", phase="requests_open")
            supervisor = await factories.supervisor(session, school.organisation_id)
            request = await factories.placement_request(
                session,
                campaign_id=campaign.id,
                school_id=school.organisation_id,
                supervisor_id=supervisor.id,
            )
            await session.commit()
    finally:
        await engine.dispose()
    return school, service, request.id


async def _login(server: LiveServer, email: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, timeout=TIMEOUT) as client:
        return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_login_lockout_counts_failures_on_both_processes(servers, accounts):
    a, b = servers
    school, _, _ = accounts
    for attempt in range(5):
        server = (a, b)[attempt % 2]
        response = await _login(server, school.email, "wrong-password-123")
        assert response.status_code == 401, (attempt, response.text)
    # Three failures on A and two on B: alone, neither process would lock the account.
    for server in (a, b):
        locked = await _login(server, school.email, "wrong-password-123")
        assert locked.status_code == 429
        assert locked.json()["code"] == "rate_limited"
        assert int(locked.headers["retry-after"]) > 0
    # Locked even with the right password, on either process.
    assert (await _login(b, school.email, school.password)).status_code == 429


async def _read_until(lines, wanted: str) -> list[str]:
    seen = []
    async for line in lines:
        seen.append(line)
        if line.startswith(wanted):
            return seen
    raise AssertionError(f"stream ended before {wanted!r}: {seen}")


async def test_an_event_crosses_from_one_process_to_the_other(servers, accounts):
    a, b = servers
    school, service, request_id = accounts
    school_token = (await _login(a, school.email, school.password)).json()["access_token"]
    service_token = (await _login(b, service.email, service.password)).json()["access_token"]

    async with (
        httpx.AsyncClient(base_url=a.url, timeout=TIMEOUT) as listener,
        listener.stream(
            "GET", "/api/v1/events", headers={"Authorization": f"Bearer {school_token}"}
        ) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["x-request-id"]
        lines = stream.aiter_lines()
        async with asyncio.timeout(TIMEOUT):
            # Subscribed (to Redis too) once this comment arrives.
            await _read_until(lines, ": connected")

            async with httpx.AsyncClient(base_url=b.url, timeout=TIMEOUT) as actor:
                invited = await actor.post(
                    f"/api/v1/placement-requests/{request_id}/invitations",
                    headers={"Authorization": f"Bearer {service_token}"},
                )
            assert invited.status_code == 201, invited.text

            seen = await _read_until(lines, "data: ")
    assert "event: request_changed" in seen
    assert str(request_id) in seen[-1]

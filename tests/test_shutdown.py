"""SIGTERM drains a replica: its event streams end at once (their clients reconnect, to another
replica), a request in flight finishes, and the process exits; a request that outlives
SHUTDOWN_GRACE_SECONDS does not keep it alive."""

import asyncio
import signal
import time

import httpx
import pytest

from tests.conftest import IS_POSTGRES, ROOT, TEST_DATABASE_URL
from tests.db_locks import write_lock
from tests.live_server import LiveServer, admin_headers, prepared_env


def _school(name: str) -> dict:
    return {"kind": "school", "name": name, "email": f"{name}@example.be", "postcode": "8000"}


@pytest.fixture(scope="module")
def prepared() -> tuple[dict, str]:
    """A migrated database with an admin, and the environment of a server on it."""
    if IS_POSTGRES:
        url = f"{TEST_DATABASE_URL}_shutdown"
    else:
        url = f"sqlite:///{ROOT / 'var' / 'shutdown.db'}"
    return prepared_env(url), url


async def _connected(lines) -> None:
    async for line in lines:
        if line == ": connected":
            return


async def _server(prepared: tuple[dict, str], grace: float) -> tuple[LiveServer, str]:
    env, url = prepared
    env = {**env, "SHUTDOWN_GRACE_SECONDS": str(grace), "DB_STATEMENT_TIMEOUT_SECONDS": "30"}
    return await asyncio.to_thread(LiveServer(env).start), url


async def test_sigterm_ends_event_streams_and_lets_the_request_in_flight_finish(prepared):
    server, url = await _server(prepared, grace=10)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            headers = await admin_headers(client)
            async with client.stream("GET", "/api/v1/events", headers=headers) as stream:
                lines = stream.aiter_lines()
                await asyncio.wait_for(_connected(lines), 5)
                async with write_lock(url):
                    # A request that waits on the database: in flight when the signal comes.
                    slow = asyncio.create_task(
                        client.post("/api/v1/organisations", headers=headers, json=_school("late"))
                    )
                    await asyncio.sleep(0.5)
                    assert not slow.done()
                    signalled = time.monotonic()
                    server.process.send_signal(signal.SIGTERM)

                    # The stream ends on its own (heartbeats would otherwise go on forever).
                    async with asyncio.timeout(3):
                        async for _ in lines:
                            pass
                    stream_closed = time.monotonic() - signalled
                    await asyncio.sleep(1)
                    assert not slow.done() and server.process.poll() is None
                response = await asyncio.wait_for(slow, 10)
            assert response.status_code == 201, response.text
            await asyncio.to_thread(server.process.wait, 10)
            exited = time.monotonic() - signalled
        print(f"stream closed {stream_closed:.2f} s after SIGTERM, process exited {exited:.2f} s")
        assert stream_closed < 1.5
        # The request's 1.5 s of waiting, then the exit: well within the grace period.
        assert exited < 5
    finally:
        server.stop()


async def test_a_request_longer_than_the_grace_period_does_not_hold_the_exit(prepared):
    server, url = await _server(prepared, grace=2)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            headers = await admin_headers(client)
            async with write_lock(url):
                stuck = asyncio.create_task(
                    client.post("/api/v1/organisations", headers=headers, json=_school("stuck"))
                )
                await asyncio.sleep(0.5)
                signalled = time.monotonic()
                server.process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(server.process.wait, 10)
                exited = time.monotonic() - signalled
            stuck.cancel()
        print(f"process exited {exited:.2f} s after SIGTERM (grace 2 s)")
        assert 1.5 < exited < 4.5
    finally:
        server.stop()

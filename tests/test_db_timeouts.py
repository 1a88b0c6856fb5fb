"""A hung database does not hold requests: a statement that waits on a lock, a server that stops
answering and a connection that never completes each answer 503 problem+json within their
timeout (DB_STATEMENT_TIMEOUT_SECONDS, DB_CONNECT_TIMEOUT_SECONDS)."""

import asyncio
import time

import pytest

from backend.main import create_app
from tests.conftest import (
    IS_POSTGRES,
    ROOT,
    TEST_DATABASE_URL,
    fresh_database,
    make_client,
    migrate,
)
from tests.db_locks import write_lock
from tests.tcp_proxy import TcpProxy

LOGIN = {"email": "nobody@example.be", "password": "Een-Wachtwoord-123"}


@pytest.fixture(scope="module")
def scratch_url() -> str:
    if IS_POSTGRES:
        url = f"{TEST_DATABASE_URL}_timeouts"
    else:
        url = f"sqlite:///{ROOT / 'var' / 'timeouts.db'}"
    fresh_database(url)
    migrate(url)
    return url


async def _timed_login(app) -> tuple[float, object]:
    async with make_client(app) as client:
        started = time.monotonic()
        # A bound of our own: without the fix the request waits as long as the lock is held.
        response = await asyncio.wait_for(client.post("/api/v1/auth/login", json=LOGIN), 20)
        return time.monotonic() - started, response


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["retry-after"]


async def test_a_statement_waiting_on_a_lock_answers_503_within_the_timeout(settings, scratch_url):
    app = create_app(
        settings.model_copy(
            update={"database_url": scratch_url, "db_statement_timeout_seconds": 1.0}
        )
    )
    try:
        async with write_lock(scratch_url, table="user_account"):
            elapsed, response = await _timed_login(app)
        print(f"answered {response.status_code} after {elapsed:.2f} s (timeout 1 s)")
        _assert_unavailable(response)
        assert elapsed < 2.5
        # The lock is gone: the same app answers as usual.
        elapsed, response = await _timed_login(app)
        assert response.status_code == 401, response.text
    finally:
        await app.state.sessionmaker.kw["bind"].dispose()


@pytest.fixture
async def proxied(settings, scratch_url):
    """An app whose database connections go through a `TcpProxy`."""
    proxy = TcpProxy()
    await proxy.up()
    url = scratch_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    app = create_app(
        settings.model_copy(
            update={
                "database_url": url,
                "db_statement_timeout_seconds": 1.0,
                "db_connect_timeout_seconds": 1.0,
            }
        )
    )
    try:
        yield proxy, app
    finally:
        proxy.resume()
        await app.state.sessionmaker.kw["bind"].dispose()
        await proxy.down()


@pytest.mark.skipif(not IS_POSTGRES, reason="needs a database server behind a proxy")
async def test_a_server_that_stops_answering_costs_503_not_a_hung_request(proxied):
    proxy, app = proxied
    elapsed, response = await _timed_login(app)
    assert response.status_code == 401  # a pooled connection, through the proxy
    proxy.stall()
    elapsed, response = await _timed_login(app)
    print(f"stalled server: {response.status_code} after {elapsed:.2f} s (timeout 1 s)")
    _assert_unavailable(response)
    assert elapsed < 2.5
    # The stuck connection was dropped: once the server answers again, so does the app.
    proxy.resume()
    elapsed, response = await _timed_login(app)
    assert response.status_code == 401, response.text


@pytest.mark.skipif(not IS_POSTGRES, reason="needs a database server behind a proxy")
async def test_a_connection_that_never_completes_costs_503(proxied):
    proxy, app = proxied
    proxy.stall()  # before the pool has any connection
    elapsed, response = await _timed_login(app)
    print(f"stalled connect: {response.status_code} after {elapsed:.2f} s (timeout 1 s)")
    _assert_unavailable(response)
    assert elapsed < 2.5

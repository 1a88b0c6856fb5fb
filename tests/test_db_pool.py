"""The connection pool serves its waiters first come first served (backend/db.py, FairQueue):
a connection given back goes to the request that waited longest, never to one that just
asked. Under a deadline rush SQLAlchemy's own asyncio queue let newcomers overtake a waiter
again and again, until its DB_POOL_TIMEOUT_SECONDS ran out and it answered 503."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db import IDLE_PING_SECONDS, create_engine
from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL
from tests.tcp_proxy import TcpProxy


@pytest.fixture
async def one_connection(settings, migrated_database):
    """An engine whose pool has one connection and waits 2 s for it."""
    engine = create_engine(
        settings.model_copy(update={"db_pool_timeout_seconds": 2.0}), pool_size=1, max_overflow=0
    )
    yield engine
    await engine.dispose()


async def _use(engine: AsyncEngine, name: str, order: list[str]) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        order.append(name)


async def test_a_connection_given_back_goes_to_the_one_that_waited(one_connection):
    order: list[str] = []
    held = await one_connection.connect()
    await held.execute(text("SELECT 1"))
    waiting = asyncio.create_task(_use(one_connection, "waited", order))
    await asyncio.sleep(0.2)  # it waits for the pool's only connection
    # Given back, and asked for again at once, before the waiter had its turn to run (as a
    # request that just arrived does while the event loop is busy). Awaited in this task, not
    # wrapped in another: a new task would run after the waiter. (The pool's timeout bounds
    # each wait.)
    await held.close()
    await _use(one_connection, "came later", order)
    await waiting
    assert order == ["waited", "came later"]


async def test_a_wait_longer_than_the_pool_timeout_fails_and_the_pool_goes_on(one_connection):
    held = await one_connection.connect()
    await held.execute(text("SELECT 1"))
    with pytest.raises(PoolTimeout):
        await one_connection.connect()
    await held.close()
    order: list[str] = []
    await asyncio.wait_for(_use(one_connection, "after", order), 5)
    assert order == ["after"]


@pytest.mark.skipif(not IS_POSTGRES, reason="needs a database server that can go away")
async def test_a_failed_ping_retires_the_connections_that_went_down_with_it(settings):
    """A connection idle for less than IDLE_PING_SECONDS is used without a ping. When the
    database restarts, the first checkout's ping finds its connection dead; the pool is then
    invalidated as a whole, so the next checkout does not get a sibling that died with it
    (used at once, that one answered the app's 503 within milliseconds)."""
    proxy = TcpProxy()
    await proxy.up()
    url = TEST_DATABASE_URL.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    engine = create_engine(
        settings.model_copy(update={"database_url": url}), pool_size=2, max_overflow=0
    )
    try:
        pinged, unpinged = await engine.connect(), await engine.connect()
        for connection in (pinged, unpinged):
            await connection.execute(text("SELECT 1"))
        await pinged.close()
        await asyncio.sleep(IDLE_PING_SECONDS + 0.2)
        await unpinged.close()  # given back just now: no ping at its next checkout
        # The database restarts: both pooled connections are cut.
        await proxy.down()
        await proxy.up()
        # The pool hands out the one given back first (first in, first out), then the other.
        first, second = await engine.connect(), await engine.connect()
        for connection in (first, second):
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
            await connection.close()
    finally:
        await engine.dispose()
        await proxy.down()

"""Issue 13.2: many wrong passwords for one account sent at the same moment. The limit must
count each attempt before the slow password check, or every one of them is checked before
the first is counted. Memory (one process) and Redis (several) alike."""

import asyncio
import os

import pytest

from backend.main import create_app
from tests import factories
from tests.conftest import make_client

# db 10 of the test machine's Redis belongs to the auth tests.
REDIS_URL = os.environ.get("TEST_AUTH_REDIS_URL", "redis://127.0.0.1:6379/10")
PARALLEL = 20


def _flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_parallel_wrong_passwords_are_checked_at_most_limit_times(
    store, settings, committed
):
    if store == "redis":
        _flush_redis()
        settings = settings.model_copy(update={"redis_url": REDIS_URL})
    limit = settings.login_attempts_per_account_address
    async with committed() as session:
        account = await factories.account(session, "school")
        await session.commit()
    app = create_app(settings, sessionmaker=committed)
    async with make_client(app) as client:
        barrier = asyncio.Barrier(PARALLEL)

        async def guess(n: int):
            await barrier.wait()
            return await client.post(
                "/api/v1/auth/login",
                json={"email": account.email, "password": f"wrong-guess-number-{n}"},
            )

        responses = await asyncio.gather(*(guess(n) for n in range(PARALLEL)))
        codes = [r.status_code for r in responses]
        # A 401 is a password that was checked; the rest were refused before the check.
        assert codes.count(401) == limit, codes
        assert codes.count(429) == PARALLEL - limit, codes
        # Even the right password waits now.
        right = await client.post(
            "/api/v1/auth/login", json={"email": account.email, "password": account.password}
        )
        assert right.status_code == 429
    await app.state.limiter.close()

    if store == "redis":
        # The count lives in Redis: another process (a fresh app) sees the same lock.
        other = create_app(settings, sessionmaker=committed)
        async with make_client(other) as client:
            right = await client.post(
                "/api/v1/auth/login", json={"email": account.email, "password": account.password}
            )
        await other.state.limiter.close()
        assert right.status_code == 429
        _flush_redis()

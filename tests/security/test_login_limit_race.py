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
# Failed sign-ins allowed per account and client address (docs/DECISIONS.md, rate limits).
LIMIT = 5


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


async def _login(app, email: str, password: str) -> int:
    async with app.router.lifespan_context(app), make_client(app) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
    return response.status_code


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_parallel_wrong_passwords_are_checked_at_most_limit_times(store, settings, committed):
    if store == "redis":
        flush_redis()
        settings = settings.model_copy(update={"redis_url": REDIS_URL})
    async with committed() as session:
        account = await factories.account(session, "school")
        await session.commit()
    app = create_app(settings, sessionmaker=committed)
    async with app.router.lifespan_context(app), make_client(app) as client:
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
        assert codes.count(401) == LIMIT, codes
        assert codes.count(429) == PARALLEL - LIMIT, codes
        # Even the right password waits now.
        right = await client.post(
            "/api/v1/auth/login", json={"email": account.email, "password": account.password}
        )
        assert right.status_code == 429

    if store == "redis":
        # The count lives in Redis: another process (a fresh app) sees the same lock.
        other = create_app(settings, sessionmaker=committed)
        assert await _login(other, account.email, account.password) == 429
        flush_redis()

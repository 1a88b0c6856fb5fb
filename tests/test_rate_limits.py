"""Brute force: failed logins, resend and forgot are limited per account and per address."""

import asyncio
import os
import uuid

import pytest

from backend.auth.ratelimit import create_limiter
from backend.errors import RateLimited
from tests.factories import PASSWORD

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def test_repeated_failed_logins_get_429_with_retry_after(school_client, client):
    email = school_client.account.email
    for _ in range(5):
        response = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": "fout-fout"}
        )
        assert response.status_code == 401
    locked = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    # The five failures just happened: the lock lasts (almost) the whole 15-minute window.
    assert 890 <= int(locked.headers["Retry-After"]) <= 900


async def test_forgot_and_resend_are_limited_per_address(client):
    codes = [
        (
            await client.post("/api/v1/auth/password/forgot", json={"email": "x@example.be"})
        ).status_code
        for _ in range(4)
    ]
    assert codes == [202, 202, 202, 429]


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_the_lock_does_not_outlive_its_window(backend, settings):
    settings = settings.model_copy(
        update={
            "login_attempts_per_account_address": 2,
            "login_window_seconds": 1,
            "redis_url": REDIS_URL if backend == "redis" else None,
        }
    )
    limiter = create_limiter(settings)
    email, address = f"{uuid.uuid4().hex}@example.be", "10.0.0.1"
    try:
        await limiter.login_attempt(email, address)
        await limiter.login_attempt(email, address)
        with pytest.raises(RateLimited) as refused:
            await limiter.login_attempt(email, address)
        assert refused.value.headers["Retry-After"] == "1"
        await asyncio.sleep(1.1)
        await limiter.login_attempt(email, address)
    finally:
        await limiter.close()

"""Per-caller API limits: each API token and each signed-in user has a budget of reads and one
of writes per window, told in the `RateLimit-*` headers of every answer; over it, 429 with
`Retry-After`. The suite itself runs with huge limits (conftest); these tests set low ones."""

import time
import types
import uuid

import pytest

from backend.auth import ratelimit
from backend.auth.ratelimit import create_limiter
from backend.errors import RateLimited
from backend.main import create_app
from tests.conftest import _role_client, make_client
from tests.redis_server import redis_server_fixture  # noqa: F401 (the fixture)

# The windows are the clock's minutes: a test that ran across one's end would see its count
# start again. The limiter's clock stands still 20 s into a minute: 40 s to the next window.
FROZEN = 60 * 29_400_000 + 20.0


@pytest.fixture
def limited_app(settings, sessionmaker, monkeypatch):
    monkeypatch.setattr(
        ratelimit, "time", types.SimpleNamespace(time=lambda: FROZEN, monotonic=time.monotonic)
    )
    limited = settings.model_copy(
        update={
            "api_reads_per_window": 5,
            "api_writes_per_window": 2,
            "api_limit_window_seconds": 60,
        }
    )
    return create_app(limited, sessionmaker=sessionmaker)


async def test_every_answer_tells_the_budget_and_the_429_says_when_to_retry(
    limited_app, sessionmaker
):
    client = await _role_client(limited_app, sessionmaker, "school")
    try:
        seen = []
        for _ in range(5):
            response = await client.get("/api/v1/supervisors")
            assert response.status_code == 200
            assert response.headers["RateLimit-Limit"] == "5"
            assert response.headers["RateLimit-Reset"] == "40"
            seen.append(int(response.headers["RateLimit-Remaining"]))
        assert seen == [4, 3, 2, 1, 0]
        refused = await client.get("/api/v1/supervisors")
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert refused.headers["RateLimit-Remaining"] == "0"
        assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"] == "40"
        # A problem answer carries the headers too (a 422 here), and writes have their own
        # budget.
        invalid = await client.post("/api/v1/supervisors", json={})
        assert invalid.status_code == 422
        assert invalid.headers["RateLimit-Limit"] == "2"
        assert invalid.headers["RateLimit-Remaining"] == "1"
    finally:
        await client.aclose()


async def test_each_token_and_user_has_its_own_budget(limited_app, sessionmaker):
    first = await _role_client(limited_app, sessionmaker, "school")
    second = await _role_client(limited_app, sessionmaker, "school", postcode="9000")
    try:
        for _ in range(5):
            assert (await first.get("/api/v1/supervisors")).status_code == 200
        assert (await first.get("/api/v1/supervisors")).status_code == 429
        other = await second.get("/api/v1/supervisors")
        assert other.status_code == 200
        assert other.headers["RateLimit-Remaining"] == "4"
        # An API token of the first user's organisation spends its own budget.
        async with make_client(limited_app) as plain:
            created = await first.post(
                "/api/v1/api-tokens", json={"name": "sis", "read_only": True}
            )
            # (Its creation was a write of the user's: allowed, one left.)
            assert created.status_code == 201, created.text
            plain.headers["Authorization"] = f"Bearer {created.json()['token']}"
            by_token = await plain.get("/api/v1/supervisors")
            assert by_token.status_code == 200
            assert by_token.headers["RateLimit-Remaining"] == "4"
    finally:
        await first.aclose()
        await second.aclose()


async def test_the_429_is_declared_on_every_operation(app):
    document = (await make_client(app).get("/api/v1/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], (method, path)
            assert "rate_limited" in operation["responses"]["429"]["x-problem-codes"]


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_the_window_counts_in_redis_or_memory(backend, settings, redis_server):
    url = redis_server.url if backend == "redis" else None
    limiter = create_limiter(
        settings.model_copy(
            update={
                "api_reads_per_window": 3,
                "api_writes_per_window": 1,
                "api_limit_window_seconds": 3600,
                "redis_url": url,
            }
        )
    )
    caller = f"token:{uuid.uuid4()}"
    try:
        remaining = [(await limiter.api_request(caller, write=False)).remaining for _ in range(3)]
        assert remaining == [2, 1, 0]
        with pytest.raises(RateLimited) as refused:
            await limiter.api_request(caller, write=False)
        assert int(refused.value.headers["Retry-After"]) <= 3600
        assert (await limiter.api_request(caller, write=True)).remaining == 0
        if url is not None:
            # Shared: another process's limiter sees the same count.
            other = create_limiter(
                settings.model_copy(
                    update={
                        "api_reads_per_window": 3,
                        "api_limit_window_seconds": 3600,
                        "redis_url": url,
                    }
                )
            )
            try:
                with pytest.raises(RateLimited):
                    await other.api_request(caller, write=False)
            finally:
                await other.close()
    finally:
        await limiter.close()

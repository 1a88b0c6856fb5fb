"""Issue 20.5 (the limiter): Redis is a soft dependency that acted hard. With Redis down,
sign-in and forgot-password answered 500, and after it returned the first sign-in of each
process failed again. Now, without Redis, each process counts on its own (one warning when
Redis goes, one when it is back, no traceback per request), and no request fails."""

import logging

from backend.auth import ratelimit
from backend.main import create_app
from tests.conftest import make_client
from tests.factories import PASSWORD
from tests.redis_server import redis_server_fixture  # noqa: F401

LOGGER = "backend.auth.ratelimit"


def _limiter_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


async def test_sign_in_works_while_redis_is_down_and_after_it_returns(
    settings, sessionmaker, school_client, redis_server, caplog, monkeypatch
):
    # Try Redis again at the next request rather than after a few seconds.
    monkeypatch.setattr(ratelimit, "SHARED_RETRY_SECONDS", 0.0, raising=False)
    caplog.set_level(logging.INFO)
    email = school_client.account.email
    app = create_app(settings.model_copy(update={"redis_url": redis_server.url}), sessionmaker)

    async def sign_in(client, password: str = PASSWORD) -> int:
        response = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        return response.status_code

    async with app.router.lifespan_context(app), make_client(app) as client:
        assert await sign_in(client) == 200
        assert await sign_in(client, "wrong-password-123") == 401
        assert redis_server.keys(), "the limits count in Redis"

        redis_server.stop()
        for _ in range(3):
            assert await sign_in(client) == 200
        assert await sign_in(client, "wrong-password-123") == 401
        forgot = await client.post("/api/v1/auth/password/forgot", json={"email": email})
        assert forgot.status_code == 202
        resend = await client.post("/api/v1/auth/activation/resend", json={"email": email})
        assert resend.status_code == 202
        down = _limiter_lines(caplog)
        assert len(down) == 1, [r.getMessage() for r in down]
        assert down[0].levelno == logging.WARNING and "unreachable" in down[0].getMessage()

        redis_server.start()
        for _ in range(3):
            assert await sign_in(client) == 200
        assert await sign_in(client, "wrong-password-123") == 401
        lines = _limiter_lines(caplog)
        assert len(lines) == 2, [r.getMessage() for r in lines]
        assert lines[1].levelno == logging.WARNING and "again" in lines[1].getMessage()
        assert redis_server.keys(), "the limits count in Redis again"

    # No traceback anywhere, no error logged.
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]

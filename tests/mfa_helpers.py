"""Two-step sign-in in tests: codes computed as an authenticator app would (pyotp) on the
application's clock, the enrolment through the API, and ADMIN_MFA_REQUIRED turned on."""

from datetime import timedelta

import httpx
import pyotp
import pytest

from backend import clock
from tests.factories import PASSWORD

STEP = timedelta(seconds=30)


def code(secret: str, steps: int = 0) -> str:
    """The code an authenticator app shows now (or `steps` steps away)."""
    return pyotp.TOTP(secret).at(clock.now(), counter_offset=steps)


async def enrol(client: httpx.AsyncClient) -> str:
    """Turns two-step sign-in on for the client's account; the client carries the new access
    token (confirming ends every other session). Answers the secret."""
    started = await client.post("/api/v1/me/mfa")
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    confirmed = await client.post("/api/v1/me/mfa/confirm", json={"code": code(secret)})
    assert confirmed.status_code == 200, confirmed.text
    client.headers["Authorization"] = f"Bearer {confirmed.json()['access_token']}"
    # The confirming code is used up: the next one is a step later.
    clock.shift(STEP)
    return secret


async def login(client: httpx.AsyncClient, email: str, secret: str | None, **extra):
    body = {"email": email, "password": PASSWORD, **extra}
    if secret is not None:
        body["code"] = code(secret)
    return await client.post("/api/v1/auth/login", json=body)


def require_mfa(app, required: bool = True) -> None:
    """ADMIN_MFA_REQUIRED for the app from now on (the settings it reads per request)."""
    app.state.settings = app.state.settings.model_copy(update={"admin_mfa_required": required})


@pytest.fixture
def mfa_required(app) -> None:
    """ADMIN_MFA_REQUIRED=true, as in production."""
    require_mfa(app)

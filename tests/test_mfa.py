"""Two-step sign-in (TOTP, OWASP ASVS 2.8): enrolment and its confirmation, the code at
sign-in, its single use and lifetime, the sign-in limit, turning it off, the operator's
reset, and the OAuth2 password form that cannot carry a code."""

import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.audit.models import AuditEntry
from backend.auth.models import User
from backend.config import Settings
from backend.main import create_app
from tests.conftest import TEST_DATABASE_URL, _role_client
from tests.factories import PASSWORD
from tests.live_server import STAGEMATCH, server_env
from tests.mfa_helpers import STEP, code, enrol, login, mfa_required  # noqa: F401

LOGIN = "/api/v1/auth/login"


async def test_enrolment_shows_the_key_once_and_a_code_turns_it_on(school_client, db):
    started = await school_client.post("/api/v1/me/mfa")
    assert started.status_code == 200, started.text
    assert started.headers["Cache-Control"] == "no-store"
    secret = started.json()["secret"]
    assert len(secret) == 32  # 160 bits, base32
    uri = started.json()["otpauth_uri"]
    assert uri.startswith("otpauth://totp/Stagematch:") and f"secret={secret}" in uri
    # Not active until confirmed.
    me = (await school_client.get("/api/v1/me")).json()
    assert me["mfa_enabled"] is False
    assert (await login(school_client, school_client.account.email, None)).status_code == 200

    wrong = await school_client.post("/api/v1/me/mfa/confirm", json={"code": "000000"})
    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_code")
    old_token = school_client.headers["Authorization"]
    confirmed = await school_client.post("/api/v1/me/mfa/confirm", json={"code": code(secret)})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["user"]["mfa_enabled"] is True

    # The sessions opened without the second factor end.
    stale = await school_client.get("/api/v1/me", headers={"Authorization": old_token})
    assert stale.status_code == 401
    fresh = f"Bearer {confirmed.json()['access_token']}"
    assert (await school_client.get("/api/v1/me", headers={"Authorization": fresh})).json()[
        "mfa_enabled"
    ] is True
    again = await school_client.post("/api/v1/me/mfa", headers={"Authorization": fresh})
    assert (again.status_code, again.json()["code"]) == (409, "mfa_already_enabled")

    # At rest the key is sealed, and the change is in the audit log.
    stored = await db.scalar(
        select(User.mfa_secret_encrypted).where(User.id == school_client.account.user_id)
    )
    assert stored and secret not in stored
    actions = (
        await db.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_id == str(school_client.account.user_id)
            )
        )
    ).all()
    assert "mfa_enabled" in actions


async def test_a_new_enrolment_replaces_an_unconfirmed_key(school_client):
    first = (await school_client.post("/api/v1/me/mfa")).json()["secret"]
    second = (await school_client.post("/api/v1/me/mfa")).json()["secret"]
    assert first != second
    refused = await school_client.post("/api/v1/me/mfa/confirm", json={"code": code(first)})
    assert refused.status_code == 400
    accepted = await school_client.post("/api/v1/me/mfa/confirm", json={"code": code(second)})
    assert accepted.status_code == 200


async def test_confirming_without_a_started_enrolment_is_refused(school_client):
    response = await school_client.post("/api/v1/me/mfa/confirm", json={"code": "123456"})
    assert (response.status_code, response.json()["code"]) == (409, "mfa_not_started")


async def test_sign_in_asks_for_the_code_after_the_right_password(school_client, client):
    secret = await enrol(school_client)
    email = school_client.account.email

    asked = await login(client, email, None)
    assert (asked.status_code, asked.json()["code"]) == (401, "mfa_required")
    assert "stagematch_refresh" not in asked.cookies
    # A wrong password says nothing about the second factor.
    wrong = await client.post(LOGIN, json={"email": email, "password": "fout-fout"})
    assert wrong.json()["code"] == "invalid_credentials"
    bad = await client.post(LOGIN, json={"email": email, "password": PASSWORD, "code": "000000"})
    assert (bad.status_code, bad.json()["code"]) == (401, "invalid_code")

    signed_in = await login(client, email, secret)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user"]["mfa_enabled"] is True
    # Refresh needs no code: the sign-in had it.
    refreshed = await client.post("/api/v1/auth/refresh")
    assert refreshed.status_code == 200, refreshed.text


async def test_a_code_signs_in_once_within_its_step(school_client, client):
    secret = await enrol(school_client)
    email = school_client.account.email
    used = code(secret)
    first = await client.post(LOGIN, json={"email": email, "password": PASSWORD, "code": used})
    assert first.status_code == 200
    replay = await client.post(LOGIN, json={"email": email, "password": PASSWORD, "code": used})
    assert (replay.status_code, replay.json()["code"]) == (401, "invalid_code")
    # Nor does an older code, still inside the drift window.
    clock.shift(STEP)
    older = code(secret, steps=-2)
    stale = await client.post(LOGIN, json={"email": email, "password": PASSWORD, "code": older})
    assert stale.status_code == 401
    assert (await login(client, email, secret)).status_code == 200


async def test_a_code_lives_one_step_either_side_of_now(school_client, client):
    # Stopped 5 s into a step, so that the test does not run across a step's end.
    now = clock.now()
    clock.freeze(now + timedelta(seconds=35 - now.timestamp() % 30))
    secret = await enrol(school_client)
    # One step more, so that the step before now is not the one the confirmation used.
    clock.shift(STEP)
    email = school_client.account.email

    async def attempt(steps: int) -> int:
        body = {"email": email, "password": PASSWORD, "code": code(secret, steps)}
        return (await client.post(LOGIN, json=body)).status_code

    # Two steps ago and two ahead are out of the window; each accepted step uses it up.
    assert await attempt(-2) == 401
    assert await attempt(2) == 401
    assert await attempt(-1) == 200
    assert await attempt(0) == 200
    assert await attempt(1) == 200


async def test_wrong_codes_count_toward_the_sign_in_limit(school_client, client):
    secret = await enrol(school_client)
    email = school_client.account.email
    for _ in range(4):
        body = {"email": email, "password": PASSWORD, "code": "000000"}
        assert (await client.post(LOGIN, json=body)).status_code == 401
    # The password alone (the client asking for the code) neither counts nor clears the count.
    for _ in range(3):
        assert (await login(client, email, None)).json()["code"] == "mfa_required"
    body = {"email": email, "password": PASSWORD, "code": "000000"}
    assert (await client.post(LOGIN, json=body)).status_code == 401
    locked = await login(client, email, secret)
    assert (locked.status_code, locked.json()["code"]) == (429, "rate_limited")


async def test_the_right_code_after_mistakes_signs_in_and_clears_them(school_client, client):
    secret = await enrol(school_client)
    email = school_client.account.email
    for _ in range(4):
        await client.post(LOGIN, json={"email": email, "password": "fout-fout"})
    assert (await login(client, email, None)).status_code == 401  # mfa_required, not counted
    assert (await login(client, email, secret)).status_code == 200
    clock.shift(STEP)
    for _ in range(4):
        await client.post(LOGIN, json={"email": email, "password": "fout-fout"})
    assert (await login(client, email, secret)).status_code == 200


async def test_the_password_form_refuses_an_account_with_two_step_sign_in(school_client, client):
    await enrol(school_client)
    form = {"username": school_client.account.email, "password": PASSWORD}
    refused = await client.post("/api/v1/auth/token", data=form)
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_use_api_token")
    wrong = await client.post("/api/v1/auth/token", data={**form, "password": "fout-fout"})
    assert wrong.json()["code"] == "invalid_credentials"


async def test_turning_it_off_needs_the_password_and_a_code(school_client, client):
    secret = await enrol(school_client)
    email = school_client.account.email
    off = "/api/v1/me/mfa"
    wrong_password = await school_client.request(
        "DELETE", off, json={"password": "fout-fout", "code": code(secret)}
    )
    assert (wrong_password.status_code, wrong_password.json()["code"]) == (400, "wrong_password")
    wrong_code = await school_client.request(
        "DELETE", off, json={"password": PASSWORD, "code": "000000"}
    )
    assert (wrong_code.status_code, wrong_code.json()["code"]) == (400, "wrong_code")
    old_token = school_client.headers["Authorization"]
    done = await school_client.request(
        "DELETE", off, json={"password": PASSWORD, "code": code(secret)}
    )
    assert done.status_code == 200, done.text
    assert done.json()["user"]["mfa_enabled"] is False
    assert (
        await school_client.get("/api/v1/me", headers={"Authorization": old_token})
    ).status_code == 401
    assert (await login(client, email, None)).status_code == 200
    again = await school_client.request(
        "DELETE",
        off,
        json={"password": PASSWORD, "code": "123456"},
        headers={"Authorization": f"Bearer {done.json()['access_token']}"},
    )
    assert (again.status_code, again.json()["code"]) == (409, "mfa_not_enabled")


async def test_an_api_token_cannot_enrol(school_client):
    created = await school_client.post(
        "/api/v1/api-tokens", json={"name": "script", "read_only": False}
    )
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    refused = await school_client.post("/api/v1/me/mfa", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "session_required")


async def test_reset_mfa_turns_it_off_and_ends_the_sessions(settings, committed):
    """The operator's recovery for a lost authenticator, in its own process."""
    app = create_app(settings, sessionmaker=committed)
    school = await _role_client(app, committed, "school")
    try:
        await enrol(school)
        email = school.account.email
        env = server_env(TEST_DATABASE_URL)
        done = subprocess.run(  # noqa: S603 (our own command)
            [STAGEMATCH, "reset-mfa", "--email", email.upper()],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert (await school.get("/api/v1/me")).status_code == 401
        assert (await login(school, email, None)).status_code == 200
        async with committed() as session:
            user = await session.get(User, school.account.user_id)
            assert user.mfa_secret_encrypted is None and user.mfa_enabled_at is None
            audited = await session.scalar(
                select(AuditEntry).where(
                    AuditEntry.action == "mfa_reset", AuditEntry.object_id == str(user.id)
                )
            )
            assert audited is not None
        unknown = subprocess.run(  # noqa: S603 (our own command)
            [STAGEMATCH, "reset-mfa", "--email", "nobody@example.be"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert unknown.returncode == 1 and "nobody@example.be" in unknown.stderr
    finally:
        await school.aclose()


@pytest.mark.parametrize(
    ("environment", "setting", "required"),
    [
        ("production", None, True),
        ("development", None, False),
        ("test", None, False),
        ("test", True, True),
        ("production", False, False),
    ],
)
def test_admins_need_it_in_production_by_default(environment, setting, required):
    settings = Settings.model_construct(environment=environment, admin_mfa_required=setting)
    assert settings.admin_mfa_enforced is required

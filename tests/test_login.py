"""Sign-in, the session cookie, /me, sign-out."""

import pytest
from passlib.context import CryptContext
from sqlalchemy import select, update

from backend.auth.models import User
from tests.factories import PASSWORD


async def test_login_returns_token_user_and_refresh_cookie(school_client, client):
    email = school_client.account.email
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["user"]["email"] == email
    assert body["user"]["role"] == "school"
    assert set(body["user"]["organisation"]) == {"id", "kind", "name", "postcode"}
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Path=/api/v1/auth" in cookie


async def test_wrong_password_and_unknown_address_answer_alike(school_client, client):
    wrong = await client.post(
        "/api/v1/auth/login",
        json={"email": school_client.account.email, "password": "verkeerd-wachtwoord"},
    )
    unknown = await client.post(
        "/api/v1/auth/login",
        json={"email": "niemand@example.be", "password": "verkeerd-wachtwoord"},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


async def test_oauth2_form_login_for_scripts(school_client, client):
    response = await client.post(
        "/api/v1/auth/token", data={"username": school_client.account.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == school_client.account.email


async def test_me_requires_a_token(client):
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_refresh_rotates_and_reuse_revokes_the_family(school_client, client):
    login = await client.post(
        "/api/v1/auth/login", json={"email": school_client.account.email, "password": PASSWORD}
    )
    first_cookie = login.cookies["stagematch_refresh"]
    refreshed = await client.post("/api/v1/auth/refresh")
    assert refreshed.status_code == 200
    second_cookie = refreshed.cookies["stagematch_refresh"]
    assert second_cookie != first_cookie

    # A stolen, already used refresh token: refused, and it ends the rotated one too.
    client.cookies.clear()
    client.cookies.set("stagematch_refresh", first_cookie)
    reuse = await client.post("/api/v1/auth/refresh")
    assert reuse.status_code == 401
    client.cookies.clear()
    client.cookies.set("stagematch_refresh", second_cookie)
    after = await client.post("/api/v1/auth/refresh")
    assert after.status_code == 401


async def test_logout_revokes_the_refresh_token(school_client, client):
    await client.post(
        "/api/v1/auth/login", json={"email": school_client.account.email, "password": PASSWORD}
    )
    cookie = client.cookies["stagematch_refresh"]
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    client.cookies.clear()
    client.cookies.set("stagematch_refresh", cookie)
    response = await client.post("/api/v1/auth/refresh")
    assert response.status_code == 401


async def test_language_preference(school_client):
    response = await school_client.patch("/api/v1/me", json={"language": "en"})
    assert response.json()["language"] == "en"
    assert (await school_client.get("/api/v1/me")).json()["language"] == "en"
    bad = await school_client.patch("/api/v1/me", json={"language": "fr"})
    assert bad.status_code == 422


async def test_logins_and_failed_logins_are_audited(school_client, client, db):
    from sqlalchemy import select

    from backend.audit.models import AuditEntry

    email = school_client.account.email
    await client.post("/api/v1/auth/login", json={"email": email, "password": "fout-fout-fout"})
    await client.post("/api/v1/auth/login", json={"email": "x@example.be", "password": "fout"})
    entries = (await db.scalars(select(AuditEntry).order_by(AuditEntry.at))).all()
    actions = [(e.action, e.details.get("email")) for e in entries]
    # The fixture's own sign-in, then two failures that survive the refused request.
    assert actions == [("login", None), ("login_failed", email), ("login_failed", "x@example.be")]
    assert entries[1].actor_user_id == school_client.account.user_id
    assert entries[1].client_address


async def test_client_config_names_the_support_contact(client, settings):
    response = await client.get("/api/v1/config")
    assert response.status_code == 200
    assert response.json()["support_email"] == settings.support_email
    assert response.json()["support_hours"] == settings.support_hours


def hash_with(settings, **changed) -> str:
    """PASSWORD hashed with the settings' argon2 parameters but for `changed`."""
    params = {
        "memory_cost": settings.argon2_memory_kib,
        "time_cost": settings.argon2_time_cost,
        "parallelism": settings.argon2_parallelism,
    } | changed
    kwargs = {f"argon2__{name}": value for name, value in params.items()}
    return CryptContext(schemes=["argon2"], argon2__type="ID", **kwargs).hash(PASSWORD)


async def stored_hash(db, user_id) -> str:
    return await db.scalar(select(User.password_hash).where(User.id == user_id))


@pytest.mark.parametrize(
    "changed", [{"time_cost": 2}, {"memory_cost": 4096}, {"parallelism": 2}], ids=str
)
async def test_a_sign_in_rehashes_a_password_hashed_with_other_parameters(
    school_client, client, db, settings, changed
):
    user_id, email = school_client.account.user_id, school_client.account.email
    old = hash_with(settings, **changed)
    await db.execute(update(User).where(User.id == user_id).values(password_hash=old))
    await db.commit()

    wrong = {"email": email, "password": "verkeerd-wachtwoord"}
    assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401
    assert await stored_hash(db, user_id) == old

    right = {"email": email, "password": PASSWORD}
    assert (await client.post("/api/v1/auth/login", json=right)).status_code == 200
    current = (
        f"$argon2id$v=19$m={settings.argon2_memory_kib},t={settings.argon2_time_cost},"
        f"p={settings.argon2_parallelism}$"
    )
    rehashed = await stored_hash(db, user_id)
    assert rehashed.startswith(current)

    assert (await client.post("/api/v1/auth/login", json=right)).status_code == 200
    assert await stored_hash(db, user_id) == rehashed

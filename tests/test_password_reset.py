"""Forgot, reset and change password; every earlier token dies with the old password."""

from datetime import timedelta

from backend import clock
from backend.mail.worker import deliver_due
from tests.factories import PASSWORD, token_from_mail

NEW = "Nieuwe-Lente-Boterham-77"


async def test_forgot_answers_alike_and_mails_only_known(
    school_client, client, smtp, smtp_settings, sessionmaker
):
    email = school_client.account.email
    known = await client.post("/api/v1/auth/password/forgot", json={"email": email})
    unknown = await client.post(
        "/api/v1/auth/password/forgot", json={"email": "onbekend@example.be"}
    )
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert await deliver_due(sessionmaker, smtp_settings) == 1
    [mail] = smtp.catcher.messages
    assert mail["To"] == email
    assert "http://stagematch.test/reset-password?token=" in mail.get_body(("plain",)).get_content()


async def test_reset_works_once_and_ends_every_earlier_session(
    school_client, client, smtp, smtp_settings, sessionmaker
):
    email = school_client.account.email
    await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    old_refresh = client.cookies["stagematch_refresh"]
    assert (await school_client.get("/api/v1/me")).status_code == 200

    await client.post("/api/v1/auth/password/forgot", json={"email": email})
    await deliver_due(sessionmaker, smtp_settings)
    token = token_from_mail(smtp.catcher.messages[0])
    reset = await client.post("/api/v1/auth/password/reset", json={"token": token, "password": NEW})
    assert reset.status_code == 200
    again = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": NEW + "!"}
    )
    assert again.json()["code"] == "link_used"

    # The access token issued before the reset is refused at the next request ...
    stale = await school_client.get("/api/v1/me")
    assert stale.status_code == 401
    assert stale.json()["code"] == "token_invalid"
    # ... and so is the refresh token of the session before.
    client.cookies.clear()
    client.cookies.set("stagematch_refresh", old_refresh)
    assert (await client.post("/api/v1/auth/refresh")).status_code == 401
    # The old password no longer works, the new one does.
    old_login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert old_login.status_code == 401
    new_login = await client.post("/api/v1/auth/login", json={"email": email, "password": NEW})
    assert new_login.status_code == 200


async def test_reset_link_expires_after_an_hour(
    school_client, client, smtp, smtp_settings, sessionmaker
):
    await client.post("/api/v1/auth/password/forgot", json={"email": school_client.account.email})
    await deliver_due(sessionmaker, smtp_settings)
    clock.shift(timedelta(minutes=61))
    response = await client.post(
        "/api/v1/auth/password/reset",
        json={"token": token_from_mail(smtp.catcher.messages[0]), "password": NEW},
    )
    assert response.json()["code"] == "link_expired"


async def test_activation_token_cannot_reset_a_password(school_client, client):
    response = await client.post(
        "/api/v1/auth/password/reset", json={"token": "x" * 43, "password": NEW}
    )
    assert response.json()["code"] == "link_invalid"


async def test_change_password_ends_other_sessions(school_client, client):
    email = school_client.account.email
    other = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    other_token = other.json()["access_token"]

    wrong = await school_client.post(
        "/api/v1/me/password", json={"current_password": "fout-fout-fout", "new_password": NEW}
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "wrong_password"
    weak = await school_client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "password1234"}
    )
    assert weak.status_code == 422

    changed = await school_client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert changed.status_code == 200
    fresh = changed.json()["access_token"]
    stale = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {other_token}"})
    assert stale.status_code == 401
    ok = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"})
    assert ok.status_code == 200

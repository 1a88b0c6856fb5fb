"""The admin invites an organisation; its account activates through the mailed link."""

from datetime import timedelta

from backend import clock
from backend.mail.worker import deliver_due
from tests.factories import token_from_mail

STRONG = "Zonnebloem-Tafel-Rivier-42"


async def invite_school(admin_client, email="nieuw@school.example.be", name="VTI Roeselare"):
    response = await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "school", "name": name, "email": email, "postcode": "8800"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_invitation_mail_activates_once(
    admin_client, client, smtp, smtp_settings, sessionmaker
):
    organisation = await invite_school(admin_client)
    assert organisation["account_status"] == "invited"
    assert await deliver_due(sessionmaker, smtp_settings) == 1

    [mail] = smtp.catcher.to("nieuw@school.example.be")
    assert mail["Subject"] == "Activeer je account op Stagematch"
    assert mail.get_body(("html",)) is not None
    assert "http://stagematch.test/activate?token=" in mail.get_body(("plain",)).get_content()
    token = token_from_mail(mail)

    activated = await client.post(
        "/api/v1/auth/activate", json={"token": token, "password": STRONG}
    )
    assert activated.status_code == 200, activated.text
    assert activated.json()["user"]["role"] == "school"
    assert "stagematch_refresh" in activated.cookies

    again = await client.post(
        "/api/v1/auth/activate", json={"token": token, "password": STRONG + "x"}
    )
    assert again.status_code == 400
    assert again.json()["code"] == "link_used"

    login = await client.post(
        "/api/v1/auth/login", json={"email": "Nieuw@School.example.be", "password": STRONG}
    )
    assert login.status_code == 200
    listed = await admin_client.get(f"/api/v1/organisations/{organisation['id']}")
    assert listed.json()["account_status"] == "active"


async def test_resent_link_supersedes_the_first(
    admin_client, client, smtp, smtp_settings, sessionmaker
):
    organisation = await invite_school(admin_client)
    resent = await admin_client.post(f"/api/v1/organisations/{organisation['id']}/invitation")
    assert resent.status_code == 202
    assert await deliver_due(sessionmaker, smtp_settings) == 2
    first, second = (token_from_mail(m) for m in smtp.catcher.to("nieuw@school.example.be"))

    old = await client.post("/api/v1/auth/activate", json={"token": first, "password": STRONG})
    assert old.status_code == 400
    assert old.json()["code"] == "link_used"
    new = await client.post("/api/v1/auth/activate", json={"token": second, "password": STRONG})
    assert new.status_code == 200


async def test_expired_link_is_refused_with_its_code(
    admin_client, client, smtp, smtp_settings, sessionmaker
):
    await invite_school(admin_client)
    await deliver_due(sessionmaker, smtp_settings)
    token = token_from_mail(smtp.catcher.messages[0])
    clock.shift(timedelta(days=7, seconds=1))
    response = await client.post("/api/v1/auth/activate", json={"token": token, "password": STRONG})
    assert response.status_code == 400
    assert response.json()["code"] == "link_expired"
    assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_link_is_invalid(client):
    response = await client.post(
        "/api/v1/auth/activate", json={"token": "nope", "password": STRONG}
    )
    assert response.json()["code"] == "link_invalid"


async def test_weak_password_is_refused_and_link_stays_usable(
    admin_client, client, smtp, smtp_settings, sessionmaker
):
    await invite_school(admin_client)
    await deliver_due(sessionmaker, smtp_settings)
    token = token_from_mail(smtp.catcher.messages[0])
    for password, code in [
        ("kort", "too_short"),
        ("qwerty123456", "too_common"),
        ("a" * 129, "too_long"),
        ("aaaaaaaaaaaaaa", "too_guessable"),
    ]:
        response = await client.post(
            "/api/v1/auth/activate", json={"token": token, "password": password}
        )
        assert response.status_code == 422, password
        assert response.json()["errors"][0] == {
            "field": "password",
            "code": code,
            "message": response.json()["errors"][0]["message"],
        }
    ok = await client.post("/api/v1/auth/activate", json={"token": token, "password": STRONG})
    assert ok.status_code == 200


async def test_not_activated_login_offers_resend(
    admin_client, client, smtp, smtp_settings, sessionmaker
):
    """The manual: log in with the address and any password, then resend the mail."""
    await invite_school(admin_client)
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": "nieuw@school.example.be", "password": "om-het-even-wat"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "account_not_activated"

    resend = await client.post(
        "/api/v1/auth/activation/resend", json={"email": "nieuw@school.example.be"}
    )
    assert resend.status_code == 202
    unknown = await client.post(
        "/api/v1/auth/activation/resend", json={"email": "niemand@example.be"}
    )
    assert unknown.status_code == 202
    assert unknown.json() == resend.json()

    await deliver_due(sessionmaker, smtp_settings)
    mails = smtp.catcher.to("nieuw@school.example.be")
    assert len(mails) == 2
    assert smtp.catcher.to("niemand@example.be") == []
    old = await client.post(
        "/api/v1/auth/activate", json={"token": token_from_mail(mails[0]), "password": STRONG}
    )
    assert old.json()["code"] == "link_used"
    new = await client.post(
        "/api/v1/auth/activate", json={"token": token_from_mail(mails[1]), "password": STRONG}
    )
    assert new.status_code == 200


async def test_mail_in_english_for_english_organisation(
    admin_client, smtp, smtp_settings, sessionmaker
):
    response = await admin_client.post(
        "/api/v1/organisations",
        json={
            "kind": "service",
            "name": "Home Care Brussels",
            "email": "care@example.be",
            "postcode": "1000",
            "language": "en",
            "provinces": ["BE-BRU"],
        },
    )
    assert response.status_code == 201
    await deliver_due(sessionmaker, smtp_settings)
    [mail] = smtp.catcher.to("care@example.be")
    assert mail["Subject"] == "Activate your Stagematch account"


async def test_same_email_twice_is_a_conflict(admin_client):
    await invite_school(admin_client)
    again = await admin_client.post(
        "/api/v1/organisations",
        json={
            "kind": "service",
            "name": "X",
            "email": "NIEUW@school.example.be",
            "postcode": "8800",
        },
    )
    assert again.status_code == 409
    assert again.json()["code"] == "email_taken"


async def test_resend_to_active_account_is_a_conflict(admin_client, school_client):
    me = (await school_client.get("/api/v1/me")).json()
    response = await admin_client.post(
        f"/api/v1/organisations/{me['organisation']['id']}/invitation"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_activated"


async def test_disabled_school_token_is_refused_at_the_next_request(admin_client, school_client):
    me = (await school_client.get("/api/v1/me")).json()
    assert me["role"] == "school"
    disabled = await admin_client.patch(
        f"/api/v1/organisations/{me['organisation']['id']}", json={"is_disabled": True}
    )
    assert disabled.json()["account_status"] == "disabled"
    refused = await school_client.get("/api/v1/me")
    assert refused.status_code == 403
    assert refused.json()["code"] == "account_disabled"
    login = await school_client.post(
        "/api/v1/auth/login",
        json={"email": school_client.account.email, "password": "Correct-Paard-Batterij-Niet"},
    )
    assert login.status_code == 403

    await admin_client.patch(
        f"/api/v1/organisations/{me['organisation']['id']}", json={"is_disabled": False}
    )
    assert (await school_client.get("/api/v1/me")).status_code == 200


async def test_admin_changes_are_audited(admin_client, db):
    from sqlalchemy import select

    from backend.audit.models import AuditEntry

    created = await invite_school(admin_client)
    await admin_client.post(f"/api/v1/organisations/{created['id']}/invitation")
    await admin_client.patch(f"/api/v1/organisations/{created['id']}", json={"name": "VTI"})
    actions = (
        await db.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_id == created["id"])
            .order_by(AuditEntry.at)
        )
    ).all()
    assert actions == ["organisation_created", "invitation_resent", "organisation_updated"]

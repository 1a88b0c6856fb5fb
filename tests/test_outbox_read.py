"""The admin opens any mail of the outbox, waiting or sent, as its recipient reads it; the token
of an activation or reset link never reaches the admin, and nobody else reads mail."""

import uuid

from sqlalchemy import select

from backend import clock
from backend.mail.models import OutboxMail
from backend.mail.worker import deliver_due
from tests.factories import token_from_mail

HIDDEN = "[link verborgen]"


async def _only_mail(admin_client, to: str) -> dict:
    listed = (await admin_client.get("/api/v1/admin/outbox")).json()["items"]
    [mail] = [m for m in listed if m["to_address"] == to]
    response = await admin_client.get(f"/api/v1/admin/outbox/{mail['id']}")
    assert response.status_code == 200, response.text
    return response.json()


def _holds_no_token(answer: str, token: str) -> None:
    assert token not in answer
    assert "~link-token~" not in answer and "token=" not in answer


async def test_admin_reads_an_invitation_without_its_token(
    admin_client, smtp, smtp_settings, sessionmaker
):
    created = await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "school", "name": "KTA Ieper", "email": "kta@example.be", "postcode": "8900"},
    )
    assert created.status_code == 201
    waiting = await _only_mail(admin_client, "kta@example.be")
    assert waiting["status"] == "waiting"
    assert waiting["subject"] == "Activeer je account op Stagematch"
    assert waiting["template"] == "invitation" and waiting["language"] == "nl"
    assert "KTA Ieper is uitgenodigd" in waiting["body_text"]
    assert f"deze link:\n{HIDDEN}" in waiting["body_text"]
    # The button leads nowhere, the address under it is hidden.
    assert 'href="#"' in waiting["body_html"] and HIDDEN in waiting["body_html"]
    assert "link_token_encrypted" not in waiting

    assert await deliver_due(sessionmaker, smtp_settings) == 1
    [message] = smtp.catcher.to("kta@example.be")
    token = token_from_mail(message)
    sent = await _only_mail(admin_client, "kta@example.be")
    assert sent["status"] == "sent"
    assert sent["body_text"] == waiting["body_text"]
    for answer in (str(waiting), str(sent)):
        _holds_no_token(answer, token)


async def test_admin_reads_a_reset_mail_without_its_token(
    admin_client, school_client, client, smtp, smtp_settings, sessionmaker
):
    email = school_client.account.email
    await client.post("/api/v1/auth/password/forgot", json={"email": email})
    assert await deliver_due(sessionmaker, smtp_settings) == 1
    token = token_from_mail(smtp.catcher.to(email)[0])
    mail = await _only_mail(admin_client, email)
    assert mail["template"] == "password_reset"
    assert HIDDEN in mail["body_text"] and HIDDEN in mail["body_html"]
    response = await admin_client.get(f"/api/v1/admin/outbox/{mail['id']}")
    _holds_no_token(response.text, token)


async def test_a_token_written_into_a_body_is_hidden_too(admin_client, db):
    """A mail stored before links were sealed (or by a template that forgot `secret_link`)."""
    secret = "s3cr3t-T0ken_value"
    at = clock.now()
    db.add(
        OutboxMail(
            to_address="oud@example.be",
            template="password_reset",
            language="en",
            subject="Old reset",
            body_text=f"Choose a password: http://stagematch.test/reset-password?token={secret}\n",
            body_html=(
                f'<p><a href="http://stagematch.test/reset-password?lang=en&amp;token={secret}">'
                f"Choose</a> http://stagematch.test/reset-password?lang=en&amp;token={secret}</p>"
            ),
            created_at=at,
            next_attempt_at=at,
        )
    )
    await db.commit()
    mail = await _only_mail(admin_client, "oud@example.be")
    assert mail["body_text"] == f"Choose a password: {HIDDEN}\n"
    assert mail["body_html"] == f'<p><a href="#">Choose</a> {HIDDEN}</p>'
    assert secret not in str(mail)


async def test_an_ordinary_mail_reads_whole(admin_client, db):
    from backend.mail.service import enqueue, link

    enqueue(
        db,
        "school@example.be",
        "pupil_invited",
        "en",
        service_name="Thuiszorg Oost",
        pupil="Jan Peeters",
        track="duaal",
        school_year="2026-2027",
        link=link("/school/requests/1"),
    )
    await db.commit()
    stored = await db.scalar(select(OutboxMail).where(OutboxMail.to_address == "school@example.be"))
    mail = await _only_mail(admin_client, "school@example.be")
    assert mail["body_text"] == stored.body_text
    assert mail["body_html"] == stored.body_html
    assert "http://stagematch.test/school/requests/1" in mail["body_html"]


async def test_an_unknown_mail_is_not_found(admin_client):
    response = await admin_client.get(f"/api/v1/admin/outbox/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    bad = await admin_client.get("/api/v1/admin/outbox/not-an-id")
    assert bad.status_code == 422


async def test_nobody_but_the_admin_reads_mail(admin_client, school_client, service_client, client):
    await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "school", "name": "KTA", "email": "kta@example.be", "postcode": "8900"},
    )
    [mail] = (await admin_client.get("/api/v1/admin/outbox")).json()["items"]
    path = f"/api/v1/admin/outbox/{mail['id']}"
    for other in (school_client, service_client):
        response = await other.get(path)
        assert response.status_code == 403, response.text
        assert "body_text" not in response.text
    assert (await client.get(path)).status_code == 401

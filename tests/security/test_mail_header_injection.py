"""Issue 13.6: a CR/LF in a pupil's name broke the subject of the school's mail, and that mail
was retried forever with no error recorded. Headers are now one line each; a mail that cannot
be built fails at once with its error, in the admin's outbox."""

from sqlalchemy import select, update

from backend.mail.models import OutboxMail
from backend.mail.worker import deliver_due
from tests.services_helpers import a_request, invite, outbox


async def test_a_line_break_in_a_pupils_name_forges_no_header(
    school_client, service_client, smtp, smtp_settings, sessionmaker, db
):
    # Straight into the database, past the API's validation.
    setup = await a_request(
        db, school_client.account.organisation_id, first_name="Jan\r\nBcc: spy@example.be\r\n"
    )
    assert (await invite(service_client, setup.id)).status_code == 201

    assert await deliver_due(sessionmaker, smtp_settings) == 1
    [message] = smtp.catcher.messages
    assert message["To"] == school_client.account.email
    assert message["Bcc"] is None
    subject = str(message["Subject"])
    assert "\r" not in subject and "\n" not in subject
    assert "Jan Bcc: spy@example.be Janssens" in subject
    [mail] = await outbox(sessionmaker, to=school_client.account.email)
    assert mail.sent_at is not None and mail.attempts == 1


async def test_a_mail_that_cannot_be_built_fails_at_once_with_its_error(
    admin_client, smtp, smtp_settings, sessionmaker, db
):
    await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "school", "name": "KTA", "email": "kta@example.be", "postcode": "8900"},
    )
    await db.execute(update(OutboxMail).values(to_address="kta@example.be\r\nBcc: spy@example.be"))
    await db.commit()

    assert await deliver_due(sessionmaker, smtp_settings) == 0
    assert smtp.catcher.messages == []
    [mail] = (await db.scalars(select(OutboxMail))).all()
    await db.refresh(mail)
    assert mail.failed_at is not None and mail.sent_at is None
    assert mail.attempts == 1 and mail.last_error
    assert await deliver_due(sessionmaker, smtp_settings) == 0

    [listed] = (await admin_client.get("/api/v1/admin/outbox")).json()["items"]
    assert listed["status"] == "failed"
    assert listed["last_error"] == mail.last_error

"""The outbox: written with the change, delivered over SMTP, an outage loses nothing."""

import asyncio
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from backend import clock
from backend.config import Settings
from backend.mail.models import OutboxMail
from backend.mail.service import enqueue
from backend.mail.worker import deliver_due
from tests.conftest import MailCatcher, SmtpServer


async def test_invitation_survives_an_smtp_outage(
    admin_client, smtp, smtp_settings, sessionmaker, db
):
    smtp.stop()
    response = await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "school", "name": "KTA Ieper", "email": "kta@example.be", "postcode": "8900"},
    )
    assert response.status_code == 201

    assert await deliver_due(sessionmaker, smtp_settings) == 0
    [mail] = (await db.scalars(select(OutboxMail))).all()
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > clock.now()
    # Not due yet: nothing is tried again before the backoff has passed.
    smtp.start()
    assert await deliver_due(sessionmaker, smtp_settings) == 0

    clock.shift(timedelta(minutes=2))
    assert await deliver_due(sessionmaker, smtp_settings) == 1
    assert await deliver_due(sessionmaker, smtp_settings) == 0
    assert len(smtp.catcher.to("kta@example.be")) == 1
    await db.refresh(mail)
    assert mail.sent_at is not None


async def test_backoff_grows_and_gives_up(admin_client, smtp, smtp_settings, sessionmaker, db):
    smtp.stop()
    await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "school", "name": "KTA Ieper", "email": "kta@example.be", "postcode": "8900"},
    )
    settings = smtp_settings.model_copy(update={"mail_max_attempts": 3})
    delays = []
    for _ in range(3):
        before = clock.now()
        await deliver_due(sessionmaker, settings)
        mail = await db.scalar(select(OutboxMail))
        await db.refresh(mail)
        delays.append(mail.next_attempt_at - before)
        clock.shift(timedelta(hours=2))
    assert delays[1] > delays[0]
    assert mail.failed_at is not None and mail.sent_at is None


async def test_a_mail_claimed_by_one_worker_is_not_sent_by_another(smtp, smtp_settings, committed):
    async with committed() as session:
        for n in range(5):
            enqueue(
                session,
                f"school{n}@example.be",
                "password_reset",
                "nl",
                link="http://stagematch.test/reset-password?token=x",
                valid_minutes=60,
            )
        await session.commit()

    # Three workers on their own connections at once: every mail goes out exactly once.
    sent = await asyncio.gather(*(deliver_due(committed, smtp_settings) for _ in range(3)))
    assert sum(sent) == 5
    assert sorted(m["To"] for m in smtp.catcher.messages) == [
        f"school{n}@example.be" for n in range(5)
    ]


async def test_without_smtp_host_mail_goes_to_the_log(admin_client, settings, sessionmaker, caplog):
    await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "school", "name": "KTA Ieper", "email": "kta@example.be", "postcode": "8900"},
    )
    with caplog.at_level("INFO", logger="backend.mail.worker"):
        assert await deliver_due(sessionmaker, settings) == 1
    assert "kta@example.be" in caplog.text
    assert "/activate?token=" in caplog.text


class RefusingCatcher(MailCatcher):
    """Refuses one recipient for good (550), as a server does for an address that is gone."""

    refused: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("gone@"):
            self.refused += 1
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_a_permanent_refusal_fails_the_mail_at_once(settings, sessionmaker, db, admin_client):
    server = SmtpServer()
    server.catcher = RefusingCatcher(server.catcher.port)
    server.start()
    try:
        for address in ("gone@example.be", "here@example.be"):
            enqueue(db, address, "password_reset", "nl", link="http://x/reset", valid_minutes=60)
        await db.commit()
        smtp_settings = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": server.catcher.port}
        )
        assert await deliver_due(sessionmaker, smtp_settings) == 1
        listed = (await admin_client.get("/api/v1/admin/outbox")).json()["items"]
        clock.shift(timedelta(hours=2))
        assert await deliver_due(sessionmaker, smtp_settings) == 0
    finally:
        server.stop()

    assert server.catcher.refused == 1  # not retried
    assert [m["To"] for m in server.catcher.messages] == ["here@example.be"]
    gone = await db.scalar(select(OutboxMail).where(OutboxMail.to_address == "gone@example.be"))
    await db.refresh(gone)
    assert gone.failed_at is not None and gone.attempts == 1
    assert "550" in gone.last_error and "No such user" in gone.last_error
    [failed] = [m for m in listed if m["to_address"] == "gone@example.be"]
    assert failed["status"] == "failed" and failed["last_error"] == gone.last_error


async def test_sender_and_reply_to_come_from_the_settings(settings, smtp, sessionmaker, db):
    enqueue(db, "school@example.be", "password_reset", "nl", link="http://x/r", valid_minutes=60)
    await db.commit()
    given = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.catcher.port,
            "mail_from": "Stagematch Vlaanderen <stagematch@departement.example.be>",
            "mail_reply_to": "Helpdesk Stagematch <hulp@departement.example.be>",
        }
    )
    assert await deliver_due(sessionmaker, given) == 1
    [mail] = smtp.catcher.to("school@example.be")
    assert mail["From"] == "Stagematch Vlaanderen <stagematch@departement.example.be>"
    assert mail["Reply-To"] == "Helpdesk Stagematch <hulp@departement.example.be>"


async def test_without_mail_reply_to_answers_go_to_the_helpdesk(
    smtp, smtp_settings, sessionmaker, db
):
    enqueue(db, "school@example.be", "password_reset", "en", link="http://x/r", valid_minutes=60)
    await db.commit()
    assert smtp_settings.mail_reply_to is None
    assert await deliver_due(sessionmaker, smtp_settings) == 1
    [mail] = smtp.catcher.to("school@example.be")
    assert mail["From"] == smtp_settings.mail_from
    assert mail["Reply-To"] == smtp_settings.support_email
    assert not mail["From"].endswith(".local>")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mail_from", "Stagematch"),
        ("mail_from", ""),
        ("mail_from", "a@example.be, b@example.be"),
        ("mail_reply_to", "hulp@localhost"),
        ("mail_reply_to", "Hulp <hulp@example.be>\r\nBcc: x@example.be"),
    ],
)
def test_a_sender_that_is_not_one_address_is_refused_at_start(field, value):
    with pytest.raises(ValidationError) as refused:
        Settings(**{field: value})
    assert field in str(refused.value)

"""The outbox: written with the change, delivered over SMTP, an outage loses nothing."""

import asyncio
from datetime import timedelta

from sqlalchemy import select

from backend import clock
from backend.mail.models import OutboxMail
from backend.mail.service import enqueue
from backend.mail.worker import deliver_due


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

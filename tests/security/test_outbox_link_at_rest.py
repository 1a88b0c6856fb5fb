"""Issue 13.9: the outbox kept live activation and reset links in clear. Now no table holds a
usable link: the token rests encrypted until the worker sends the mail, and is gone after."""

import asyncio
import os
import re
import uuid

import sqlalchemy as sa
from sqlalchemy import select

from backend import clock
from backend.db import UTCDateTime, create_engine, create_sessionmaker
from backend.mail.models import OutboxMail
from backend.mail.worker import deliver_due
from backend.models import Base
from tests.conftest import IS_POSTGRES, ROOT, TEST_DATABASE_URL, fresh_database, migrate
from tests.factories import token_from_mail

STRONG = "Zonnebloem-Tafel-Rivier-42"
SCHOOL = {"kind": "school", "name": "KTA Ieper", "email": "kta@example.be", "postcode": "8900"}


async def _every_value(db) -> str:
    """Every column of every row of every table, as text."""
    values = []
    for table in Base.metadata.sorted_tables:
        for row in (await db.execute(select(table))).all():
            values.extend(str(value) for value in row)
    return "\n".join(values)


async def test_no_table_holds_a_usable_activation_link(
    admin_client, client, smtp, smtp_settings, sessionmaker, db
):
    assert (await admin_client.post("/api/v1/organisations", json=SCHOOL)).status_code == 201
    waiting = await _every_value(db)
    outbox_view = (await admin_client.get("/api/v1/admin/outbox")).text

    assert await deliver_due(sessionmaker, smtp_settings) == 1
    [message] = smtp.catcher.to("kta@example.be")
    token = token_from_mail(message)
    assert token not in waiting
    assert token not in outbox_view
    assert token not in await _every_value(db)
    [mail] = (await db.scalars(select(OutboxMail))).all()
    await db.refresh(mail)
    assert mail.sent_at is not None and mail.link_token_encrypted is None

    # The delivered mail still carries a working link.
    activated = await client.post(
        "/api/v1/auth/activate", json={"token": token, "password": STRONG}
    )
    assert activated.status_code == 200, activated.text


async def test_no_table_holds_a_usable_reset_link(
    school_client, client, smtp, smtp_settings, sessionmaker, db
):
    email = school_client.account.email
    assert (await client.post("/api/v1/auth/password/forgot", json={"email": email})).status_code
    waiting = await _every_value(db)

    assert await deliver_due(sessionmaker, smtp_settings) == 1
    token = token_from_mail(smtp.catcher.to(email)[0])
    assert token not in waiting
    assert token not in await _every_value(db)
    reset = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": STRONG}
    )
    assert reset.status_code == 200, reset.text


def _logged_token(text: str) -> str:
    return re.search(r"/activate\?token=([^\s\"'<]+)", text).group(1)


async def test_the_mail_log_shows_no_usable_link_outside_development(
    admin_client, client, settings, sessionmaker, caplog
):
    assert settings.environment == "test" and not settings.smtp_host
    await admin_client.post("/api/v1/organisations", json=SCHOOL)
    with caplog.at_level("INFO", logger="backend.mail.worker"):
        assert await deliver_due(sessionmaker, settings) == 1
    assert "kta@example.be" in caplog.text
    tried = await client.post(
        "/api/v1/auth/activate", json={"token": _logged_token(caplog.text), "password": STRONG}
    )
    assert tried.status_code == 400
    assert tried.json()["code"] == "link_invalid"


async def test_development_logs_a_working_link_for_make_run(
    admin_client, client, settings, sessionmaker, caplog
):
    """Without SMTP_HOST the console is a developer's only mailbox (`make run`)."""
    development = settings.model_copy(update={"environment": "development"})
    await admin_client.post("/api/v1/organisations", json=SCHOOL)
    with caplog.at_level("INFO", logger="backend.mail.worker"):
        assert await deliver_due(sessionmaker, development) == 1
    activated = await client.post(
        "/api/v1/auth/activate", json={"token": _logged_token(caplog.text), "password": STRONG}
    )
    assert activated.status_code == 200, activated.text


def _scratch_url() -> str:
    if IS_POSTGRES:
        return TEST_DATABASE_URL + "_seal_links"
    return f"sqlite:///{ROOT / 'var' / f'seal-links-{os.getpid()}.db'}"


async def test_the_upgrade_seals_the_links_already_in_the_outbox(settings, smtp):
    url = _scratch_url()
    await asyncio.to_thread(fresh_database, url)
    await asyncio.to_thread(migrate, url, "0005")
    at = clock.now()
    old_outbox = sa.table(
        "outbox_mail",
        *(sa.column(name, sa.Text()) for name in ("to_address", "template", "language")),
        *(sa.column(name, sa.Text()) for name in ("subject", "body_text", "body_html")),
        *(sa.column(name, UTCDateTime()) for name in ("created_at", "next_attempt_at")),
        sa.column("sent_at", UTCDateTime()),
        sa.column("attempts", sa.Integer()),
        sa.column("id", sa.Uuid()),
    )
    waiting, sent = uuid.uuid4(), uuid.uuid4()

    def row(mail_id, template, path, token, sent_at):
        link = f"http://stagematch.test/{path}?token={token}"
        return {
            "id": mail_id,
            "to_address": "kta@example.be",
            "template": template,
            "language": "nl",
            "subject": "Onderwerp",
            "body_text": f"Via deze link:\n{link}\n",
            "body_html": f'<a href="{link}">link</a>',
            "created_at": at,
            "next_attempt_at": at,
            "sent_at": sent_at,
            "attempts": 0 if sent_at is None else 1,
        }

    engine = create_engine(settings.model_copy(update={"database_url": url}))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(old_outbox),
                [
                    row(waiting, "invitation", "activate", "Waiting-Token_1", None),
                    row(sent, "password_reset", "reset-password", "Sent-Token_2", at),
                ],
            )
        await asyncio.to_thread(migrate, url, "head")
        async with engine.connect() as connection:
            mails = {
                m.id: m for m in (await connection.execute(sa.select(OutboxMail.__table__))).all()
            }
        everything = "\n".join(str(value) for mail in mails.values() for value in mail)
        assert "Waiting-Token_1" not in everything and "Sent-Token_2" not in everything
        assert mails[sent].link_token_encrypted is None

        # Down to before the sealing, the older worker finds the link in the waiting mail again.
        await asyncio.to_thread(_downgrade_to, url, "0005")
        async with engine.connect() as connection:
            body = await connection.scalar(
                sa.select(old_outbox.c.body_text).where(old_outbox.c.id == waiting)
            )
        assert "/activate?token=Waiting-Token_1\n" in body

        # Up again, the waiting mail goes out with its working link.
        await asyncio.to_thread(migrate, url, "head")
        smtp_settings = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": smtp.catcher.port}
        )
        assert await deliver_due(create_sessionmaker(engine), smtp_settings) == 1
        [message] = smtp.catcher.messages
        assert token_from_mail(message) == "Waiting-Token_1"
    finally:
        await engine.dispose()
        await asyncio.to_thread(fresh_database, url)


def _downgrade_to(url: str, revision: str) -> None:
    from alembic import command

    from backend.db import alembic_config

    config = alembic_config()
    config.attributes["database_url"] = url
    config.attributes["skip_logging"] = True
    command.downgrade(config, revision)

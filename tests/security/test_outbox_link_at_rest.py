"""Issue 13.9: the outbox kept live activation and reset links in clear. Now no table holds a
usable link: the token rests encrypted until the worker sends the mail, and is gone after."""

import re

from sqlalchemy import select

from backend.mail.models import OutboxMail
from backend.mail.worker import deliver_due
from backend.models import Base
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

"""Several mail workers against a slow SMTP server (issue 20.1): each mail is delivered exactly
once however long the server takes, every attempt is recorded, and the mail of a worker killed
mid-batch leaves within seconds once another worker runs."""

import asyncio
import signal
import subprocess
import time
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from backend.mail import worker
from backend.mail.models import OutboxAttempt, OutboxMail
from backend.mail.service import enqueue
from tests.conftest import ROOT, TEST_DATABASE_URL, MailCatcher, SmtpServer
from tests.live_server import STAGEMATCH, server_env


@dataclass
class SlowCatcher(MailCatcher):
    """Takes `delay` seconds over each mail's DATA before accepting it, as a busy server does.
    A client that goes away meanwhile cancels the handler: that mail was not accepted."""

    delay: float = 0.8
    receiving: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.receiving += 1
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.receiving -= 1
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp():
    server = SmtpServer()
    server.catcher = SlowCatcher(server.catcher.port)
    server.start()
    yield server
    server.stop()


async def _enqueue(sessionmaker, count: int) -> list[str]:
    addresses = [f"school{n}@example.be" for n in range(count)]
    async with sessionmaker() as session:
        for address in addresses:
            enqueue(
                session,
                address,
                "password_reset",
                "nl",
                link="http://stagematch.test/reset-password",
                valid_minutes=60,
            )
        await session.commit()
    return addresses


async def _recorded(sessionmaker) -> dict[str, tuple[OutboxMail, list[OutboxAttempt]]]:
    async with sessionmaker() as session:
        mails = (await session.scalars(select(OutboxMail))).all()
        attempts = (
            await session.scalars(select(OutboxAttempt).order_by(OutboxAttempt.started_at))
        ).all()
    return {
        mail.to_address: (mail, [a for a in attempts if a.mail_id == mail.id]) for mail in mails
    }


async def _until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_two_workers_send_each_mail_once_through_a_slow_server(
    slow_smtp, settings, committed
):
    slow_smtp.catcher.delay = 1.5
    addresses = await _enqueue(committed, 4)
    # A claim shorter than one mail takes, let alone the batch: only its renewal keeps the
    # other worker off a mail that is being sent. (Renewed every 0.4 s: a worker stalled
    # for 0.8 s would lose it, which a loaded test machine can come close to.)
    slow = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": slow_smtp.catcher.port,
            "mail_claim_seconds": 1.2,
        }
    )
    everything_sent = asyncio.Event()

    async def keep_delivering() -> int:
        sent = 0
        while not everything_sent.is_set():
            sent += await worker.deliver_due(committed, slow)
            await asyncio.sleep(0.05)
        return sent

    workers = [asyncio.create_task(keep_delivering()) for _ in range(2)]
    await _until(lambda: len(slow_smtp.catcher.messages) >= 4, 30)
    await asyncio.sleep(2)  # time for a second delivery to show up, if any
    everything_sent.set()
    sent = await asyncio.gather(*workers)

    assert sum(sent) == 4 and min(sent) >= 1  # both worked, neither sent a mail twice
    assert sorted(m["To"] for m in slow_smtp.catcher.messages) == addresses
    for mail, attempts in (await _recorded(committed)).values():
        assert mail.sent_at is not None and mail.attempts == 1
        [attempt] = attempts
        assert attempt.outcome == "sent" and attempt.finished_at >= attempt.started_at


async def test_a_killed_workers_mail_leaves_within_seconds(slow_smtp, settings, committed):
    addresses = await _enqueue(committed, 6)
    env = server_env(
        TEST_DATABASE_URL,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(slow_smtp.catcher.port),
        MAIL_CLAIM_SECONDS="1",
        MAIL_POLL_SECONDS="0.2",
    )
    process = subprocess.Popen(
        [STAGEMATCH, "mail-worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    catcher = slow_smtp.catcher
    try:
        # Killed while the server is taking its third mail.
        await _until(lambda: len(catcher.messages) == 2 and catcher.receiving == 1, 30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    killed_at = time.monotonic()

    other = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": catcher.port, "mail_claim_seconds": 1}
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(committed, other, stop))
    try:
        await _until(lambda: len(catcher.messages) == 6, 15)
    finally:
        stop.set()
        await running
    # One second of claim left to run out, four mails of 0.8 s: the rest is slack.
    assert time.monotonic() - killed_at < 8
    assert sorted(m["To"] for m in catcher.messages) == addresses

    recorded = await _recorded(committed)
    interrupted = [mail for mail, attempts in recorded.values() if mail.attempts == 2]
    assert len(interrupted) == 1
    for mail, attempts in recorded.values():
        assert mail.sent_at is not None
        assert len(attempts) == mail.attempts
        assert [a.outcome for a in attempts][-1] == "sent"
    # The killed worker's attempt is on record, unfinished.
    [(_, attempts)] = [recorded[mail.to_address] for mail in interrupted]
    assert attempts[0].outcome is None and attempts[0].finished_at is None

"""Delivers the outbox over SMTP with retries and exponential backoff; an outage delays mail,
loses none, and a mail claimed by one worker is never sent by another."""

import asyncio
import logging
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend import clock, metrics
from backend.config import Settings
from backend.mail.models import OutboxMail

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120
REMINDER_INTERVAL_SECONDS = 60
_wakeup: asyncio.Event | None = None


def wake() -> None:
    """Tells an in-process worker that new mail is waiting (called after commit)."""
    if _wakeup is not None:
        _wakeup.set()


def _message(mail: OutboxMail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<{mail.id}@stagematch>"
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    return message


async def send(mail: OutboxMail, settings: Settings) -> None:
    """Sends one mail over SMTP, or writes it to the log when no SMTP_HOST is set."""
    if not settings.smtp_host:
        log.info(
            "mail (no SMTP_HOST) to=%s subject=%s\n%s",
            mail.to_address,
            mail.subject,
            mail.body_text,
        )
        return
    await aiosmtplib.send(
        _message(mail, settings),
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_user or None,
        password=(settings.smtp_password and settings.smtp_password.get_secret_value()) or None,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )


def backoff(attempts: int, settings: Settings) -> timedelta:
    seconds = settings.mail_backoff_base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.mail_backoff_max_seconds))


async def _claim(session: AsyncSession, limit: int) -> list[OutboxMail]:
    at = clock.now()
    due = (
        await session.scalars(
            select(OutboxMail.id)
            .where(
                OutboxMail.sent_at.is_(None),
                OutboxMail.failed_at.is_(None),
                OutboxMail.next_attempt_at <= at,
                or_(OutboxMail.locked_until.is_(None), OutboxMail.locked_until < at),
            )
            .order_by(OutboxMail.next_attempt_at, OutboxMail.created_at)
            .limit(limit)
        )
    ).all()
    claimed = []
    for mail_id in due:
        # Conditional claim: of two workers racing for a mail, only one updates the row.
        result = await session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id == mail_id,
                or_(OutboxMail.locked_until.is_(None), OutboxMail.locked_until < at),
            )
            .values(locked_until=at + timedelta(seconds=CLAIM_SECONDS))
        )
        if result.rowcount == 1:
            claimed.append(mail_id)
    await session.commit()
    if not claimed:
        return []
    return list(
        (
            await session.scalars(
                select(OutboxMail)
                .where(OutboxMail.id.in_(claimed))
                .order_by(OutboxMail.next_attempt_at, OutboxMail.created_at)
            )
        ).all()
    )


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, limit: int = 50
) -> int:
    """Sends every due mail once; returns how many were sent."""
    sent = 0
    async with sessionmaker() as session:
        for mail in await _claim(session, limit):
            try:
                await send(mail, settings)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                mail.attempts += 1
                mail.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]
                mail.locked_until = None
                if mail.attempts >= settings.mail_max_attempts:
                    mail.failed_at = clock.now()
                    log.error(
                        "mail %s to %s failed for good: %s",
                        mail.id,
                        mail.to_address,
                        mail.last_error,
                    )
                else:
                    mail.next_attempt_at = clock.now() + backoff(mail.attempts, settings)
                    log.warning(
                        "mail %s delayed (attempt %d): %s", mail.id, mail.attempts, mail.last_error
                    )
            else:
                mail.attempts += 1
                mail.sent_at = clock.now()
                mail.locked_until = None
                sent += 1
            await session.commit()
    return sent


async def send_reminders(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Queues the deadline reminders that are due (the worker's periodic job)."""
    # Imported here: reminders write mail through mail.service, which imports this module.
    from backend.campaigns import reminders

    async with sessionmaker() as session:
        queued = await reminders.send_due(session)
        await session.commit()
    return queued


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> None:
    """Delivers mail until `stop` is set: on every wake-up, else every MAIL_POLL_SECONDS;
    once a minute it also queues the deadline reminders that are due."""
    global _wakeup
    _wakeup = asyncio.Event()
    stop = stop or asyncio.Event()
    reminders_checked_at = float("-inf")
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            if loop.time() - reminders_checked_at >= REMINDER_INTERVAL_SECONDS:
                reminders_checked_at = loop.time()
                await send_reminders(sessionmaker)
            while await deliver_due(sessionmaker, settings):
                pass
            metrics.mail_worker_succeeded()
        except Exception:
            log.exception("mail worker pass failed; retrying")
        _wakeup.clear()
        waiters = [asyncio.ensure_future(_wakeup.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(
            waiters, timeout=settings.mail_poll_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in waiters:
            waiter.cancel()

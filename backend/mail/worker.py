"""Delivers the outbox over SMTP with retries and exponential backoff: an outage delays mail and
loses none. A worker claims one mail at a time, for MAIL_CLAIM_SECONDS that it renews while the
server takes the mail, so however slow the server and however many workers, a mail goes out
once, and a killed worker's mail is free again within seconds. Every attempt is recorded."""

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import aiosmtplib
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend import clock, crypto, metrics
from backend.admin import retention
from backend.campaigns import reminders
from backend.config import Settings
from backend.db import rowcount
from backend.mail.models import OutboxAttempt, OutboxMail
from backend.mail.outbox import TOKEN_PLACEHOLDER, one_line, wakeup_event
from backend.webhooks import delivery as webhook_delivery

log = logging.getLogger(__name__)
REMINDER_INTERVAL_SECONDS = 60
# Due mails looked at per claim: a worker that loses the race for one takes the next.
CANDIDATES = 10
SENT, RETRY, FAILED = "sent", "retry", "failed"


def _message(mail: OutboxMail, settings: Settings) -> EmailMessage:
    """The mail as it goes out, with its link's token put back. Raises when it cannot be built
    (an address with a line break, a token that no key of DATA_KEY decrypts)."""
    text, html = mail.body_text, mail.body_html
    if mail.link_token_encrypted is not None:
        # Uncached, unlike national numbers: a link's token is read once, and must not linger.
        opened = crypto.open_token(mail.link_token_encrypted)
        if opened is None:
            raise ValueError("the link's token does not decrypt with DATA_KEY")
        token = quote(opened, safe="")
        text = text.replace(TOKEN_PLACEHOLDER, token)
        html = html.replace(TOKEN_PLACEHOLDER, token)
    message = EmailMessage()
    message["From"] = one_line(settings.mail_from)
    # Answers reach people (MAIL_REPLY_TO, else the helpdesk), not the sending address.
    message["Reply-To"] = one_line(settings.reply_to)
    # Not flattened: an address with a line break is broken, and the mail fails with it.
    message["To"] = mail.to_address
    message["Subject"] = one_line(mail.subject)
    message["Message-ID"] = f"<{mail.id}@stagematch>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in mail.attachments or ():
        _attach(message, attachment)
    return message


def _attach(message: EmailMessage, attachment: dict[str, str]) -> None:
    """A stored attachment as a MIME part (the message becomes multipart/mixed), e.g.
    `text/calendar; method=REQUEST; charset=utf-8` named `uitnodiging.ics`."""
    kind, *parameters = (part.strip() for part in attachment["content_type"].split(";"))
    maintype, _, subtype = kind.partition("/")
    if maintype != "text":
        raise ValueError(f"attachment of type {kind}: only text attachments are stored")
    params = dict(p.split("=", 1) for p in parameters if "=" in p)
    charset = params.pop("charset", "utf-8")
    message.add_attachment(
        attachment["content"],
        subtype=subtype,
        charset=charset,
        filename=one_line(attachment["filename"]),
        params=params,
    )


async def _transmit(mail: OutboxMail, message: EmailMessage, settings: Settings) -> None:
    """Hands the message to the SMTP server. Without SMTP_HOST (development and tests only:
    production refuses to start) it goes to the log, with its link only in development, where
    the console is the developer's mailbox (`make run`); elsewhere the log shows the placeholder."""
    if not settings.smtp_host:
        development = settings.environment == "development"
        plain = message.get_body(("plain",)) if development else None
        body = plain.get_content() if plain is not None else mail.body_text
        names = ", ".join(a["filename"] for a in mail.attachments or ()) or "none"
        log.info(
            "mail (no SMTP_HOST) to=%s subject=%s attachments=%s\n%s",
            mail.to_address,
            mail.subject,
            names,
            body,
        )
        return
    await aiosmtplib.send(
        message,
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


def _is_permanent(exc: Exception) -> bool:
    """A 5xx refusal of this mail's recipient or content: sending it again cannot help. A 5xx
    at connect, HELO, AUTH or MAIL FROM is the server's setup, which an operator can fix: those
    are retried like an outage."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= refused.code < 600 for refused in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return 500 <= exc.code < 600
    return False


def _describe(exc: Exception) -> str:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
    elif isinstance(exc, aiosmtplib.SMTPResponseException):
        detail = f"{exc.code} {exc.message}"
    else:
        detail = str(exc)
    return f"{exc.__class__.__name__}: {detail}"[:1000]


@dataclass
class Claim:
    """A mail this worker holds, and the attempt that holds it (`OutboxMail.claim_id`)."""

    mail: OutboxMail
    attempt_id: uuid.UUID


def _due(at: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMail.sent_at.is_(None),
        OutboxMail.failed_at.is_(None),
        OutboxMail.next_attempt_at <= at,
        or_(OutboxMail.locked_until.is_(None), OutboxMail.locked_until < at),
    )


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


async def _claim_next(session: AsyncSession, settings: Settings) -> Claim | None:
    """Claims the next due mail for a new attempt (recorded at once, so that an attempt that
    dies with its worker still counts), or None when no mail is due."""
    # Bounded, though each round that finds every candidate taken means others progressed.
    for _ in range(CANDIDATES):
        at = clock.now()
        candidates = (
            await session.scalars(
                select(OutboxMail.id)
                .where(_due(at))
                .order_by(OutboxMail.next_attempt_at, OutboxMail.created_at)
                .limit(CANDIDATES)
            )
        ).all()
        for mail_id in candidates:
            attempt_id = uuid.uuid4()
            # Conditional: of two workers racing for a mail only one updates the row, and the
            # due condition is checked again, so a mail sent meanwhile is not taken either.
            result = await session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id, _due(at))
                .values(
                    # From now, not from `at`: the query may have waited for a lock.
                    locked_until=clock.now() + timedelta(seconds=settings.mail_claim_seconds),
                    claim_id=attempt_id,
                    attempts=OutboxMail.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) == 1:
                mail = await session.get(OutboxMail, mail_id, populate_existing=True)
                assert mail is not None
                session.add(
                    OutboxAttempt(
                        id=attempt_id, mail_id=mail_id, worker=_worker_name(), started_at=at
                    )
                )
                # Committed before sending: no transaction (no SQLite write lock) stays open
                # while the SMTP server takes its time.
                await session.commit()
                return Claim(mail, attempt_id)
        await session.commit()
        if not candidates:
            return None
        # Every candidate went to other workers meanwhile: look again.
    return None


async def _renew(session: AsyncSession, claim: Claim, settings: Settings) -> None:
    """Extends the claim while the server takes the mail."""
    try:
        result = await session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == claim.mail.id, OutboxMail.claim_id == claim.attempt_id)
            .values(locked_until=clock.now() + timedelta(seconds=settings.mail_claim_seconds))
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    except Exception:
        # The send goes on: cancelling it could not take back what the server already has.
        await session.rollback()
        log.warning("mail %s: claim not renewed; still sending", claim.mail.id, exc_info=True)
        return
    if rowcount(result) != 1:
        log.error("mail %s: claim lost while sending; it may go out twice", claim.mail.id)


async def _send_holding_claim(
    session: AsyncSession, claim: Claim, message: EmailMessage, settings: Settings
) -> None:
    sending = asyncio.ensure_future(_transmit(claim.mail, message, settings))
    try:
        while not (await asyncio.wait({sending}, timeout=settings.mail_claim_seconds / 3))[0]:
            await _renew(session, claim, settings)
    except BaseException:
        sending.cancel()
        raise
    sending.result()


async def _finish(
    session: AsyncSession,
    claim: Claim,
    outcome: str,
    settings: Settings,
    error: str | None = None,
) -> None:
    """Records the attempt's outcome and releases the claim; a sent or failed mail's link
    token is blanked."""
    at = clock.now()
    values: dict[str, Any] = {"locked_until": None, "claim_id": None}
    if outcome == SENT:
        values |= {"sent_at": at, "link_token_encrypted": None}
    elif outcome == FAILED:
        values |= {"failed_at": at, "link_token_encrypted": None, "last_error": error}
    else:
        retry_at = at + backoff(claim.mail.attempts, settings)
        values |= {"next_attempt_at": retry_at, "last_error": error}
    result = await session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == claim.mail.id, OutboxMail.claim_id == claim.attempt_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutboxAttempt)
        .where(OutboxAttempt.id == claim.attempt_id)
        .values(finished_at=at, outcome=outcome, error=error)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    if rowcount(result) != 1:
        log.error(
            "mail %s: claim lost before its outcome (%s) was recorded", claim.mail.id, outcome
        )


async def _deliver(session: AsyncSession, claim: Claim, settings: Settings) -> bool:
    """One attempt at one claimed mail; True when it was sent."""
    mail = claim.mail
    try:
        message = _message(mail, settings)
    except Exception as exc:
        # It would fail the same way every time: give up at once, and say why.
        await _finish(session, claim, FAILED, settings, _describe(exc))
        log.error("mail %s cannot be built, failed: %s", mail.id, _describe(exc))
        return False
    try:
        await _send_holding_claim(session, claim, message, settings)
    except Exception as exc:
        error = _describe(exc)
        if _is_permanent(exc) or mail.attempts >= settings.mail_max_attempts:
            await _finish(session, claim, FAILED, settings, error)
            log.error("mail %s to %s failed for good: %s", mail.id, mail.to_address, error)
        else:
            await _finish(session, claim, RETRY, settings, error)
            log.warning("mail %s delayed (attempt %d): %s", mail.id, mail.attempts, error)
        return False
    await _finish(session, claim, SENT, settings)
    return True


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> int:
    """Sends up to MAIL_BATCH_SIZE due mails, each claimed on its own (until `stop` is set);
    returns how many were sent."""
    sent = 0
    async with sessionmaker() as session:
        for _ in range(settings.mail_batch_size):
            if stop is not None and stop.is_set():
                break
            claim = await _claim_next(session, settings)
            if claim is None:
                break
            sent += await _deliver(session, claim, settings)
    return sent


async def send_reminders(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Queues the deadline reminders that are due (the worker's periodic job)."""
    async with sessionmaker() as session:
        queued = await reminders.send_due(session)
        await session.commit()
    return queued


async def run_retention(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> retention.PurgeReport:
    """Mails the retention notices that are due and erases the campaigns whose date has
    passed (the worker's periodic job; each batch commits on its own)."""
    async with sessionmaker() as session:
        report = await retention.run_due(session, settings)
        await session.commit()
    if report.campaigns:
        log.info(
            "retention: erased %d requests of %s", report.requests, ", ".join(report.campaigns)
        )
    return report


async def _sleep(settings: Settings, stop: asyncio.Event, wakeup: asyncio.Event | None) -> None:
    """Until `wakeup` (if any) or `stop` is set, at most MAIL_POLL_SECONDS."""
    events = [stop] if wakeup is None else [wakeup, stop]
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    await asyncio.wait(
        waiters, timeout=settings.mail_poll_seconds, return_when=asyncio.FIRST_COMPLETED
    )
    for waiter in waiters:
        waiter.cancel()


async def _mail_loop(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    """Delivers mail on every wake-up, else every MAIL_POLL_SECONDS; once a minute it also
    queues the deadline reminders that are due and runs the retention job (notices, erasure)."""
    wakeup = wakeup_event()
    reminders_checked_at = float("-inf")
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            if loop.time() - reminders_checked_at >= REMINDER_INTERVAL_SECONDS:
                reminders_checked_at = loop.time()
                await send_reminders(sessionmaker)
                try:
                    await run_retention(sessionmaker, settings)
                except Exception:
                    # Mail goes on; the purge resumes from its last batch on the next pass.
                    log.exception("retention pass failed; retrying in a minute")
            while await deliver_due(sessionmaker, settings, stop):
                pass
            metrics.mail_worker_succeeded()
        except Exception:
            log.exception("mail worker pass failed; retrying")
        wakeup.clear()
        await _sleep(settings, stop, wakeup)


async def _webhook_loop(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    """Delivers the webhooks every MAIL_POLL_SECONDS (a pass never raises)."""
    while not stop.is_set():
        await webhook_delivery.run_pass(sessionmaker, settings, stop)
        await _sleep(settings, stop, None)


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> None:
    """The worker until `stop` is set: mail (with the reminders and the retention job) and the
    webhooks in two loops side by side, so that a receiver that answers slowly (up to
    WEBHOOK_TIMEOUT_SECONDS per delivery) never holds up a mail."""
    stop = stop or asyncio.Event()
    async with asyncio.TaskGroup() as group:
        group.create_task(_mail_loop(sessionmaker, settings, stop))
        group.create_task(_webhook_loop(sessionmaker, settings, stop))

"""The webhooks' worker: fans the kept events out to the endpoints that want them and may know
of them, then sends the deliveries, signed, with retries and backoff. It runs in the mail
worker's loop (`run_pass`), never inside a request.

- Fan-out: each kept event (backend/events/log.py, written in the change's transaction) is
  taken once, by a conditional UPDATE, and its deliveries written in the same transaction;
  a unique (endpoint, event) pair backs it up. No event is lost, none fanned out twice.
- Who hears what: an endpoint's organisation hears an event addressed to it (its own
  channel, its role's shared one), when the request is one it may read now
  (`readable_by`; a school always hears of its own requests, a withdrawal included).
- Sending: a delivery is claimed like a mail of the outbox (a conditional UPDATE naming the
  attempt, held for longer than an attempt can last), so that two workers never send it
  twice at once; a 2xx answer delivers it. Redirects are not followed, the receiver has
  WEBHOOK_TIMEOUT_SECONDS in all, and the connection goes to the address checked (urls.py).
- Failure: retried after 1 min, 5 min, 30 min, 2 h and 12 h, then given up; after
  WEBHOOK_FAILURES_BEFORE_DISABLE failed attempts in a row the endpoint is switched off, its
  pending deliveries given up, and its organisation mailed."""

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend import clock
from backend.campaigns.models import Campaign
from backend.config import Settings
from backend.db import rowcount
from backend.events import log as event_log
from backend.events.broker import channels_of
from backend.events.models import ChangeEvent
from backend.idempotency.middleware import purge as purge_idempotency_keys
from backend.mail.service import enqueue
from backend.organisations.models import Organisation, OrganisationKind
from backend.placements.models import PlacementRequest
from backend.placements.reading.access import readable_by
from backend.webhooks import urls
from backend.webhooks.models import WebhookDelivery, WebhookEndpoint
from backend.webhooks.service import give_up_pending, open_secret

log = logging.getLogger(__name__)

# The waits after the 1st, 2nd... failed attempt; after the last, the delivery is given up.
BACKOFF_SECONDS = (60, 300, 1800, 7200, 43200)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
# Events fanned out per transaction; deliveries sent per pass, and at once.
FAN_OUT_BATCH = 200
SEND_BATCH = 40
CONCURRENCY = 4
PURGE_INTERVAL_SECONDS = 600
SIGNATURE_HEADER = "Stagematch-Signature"
USER_AGENT = "Stagematch-Webhooks/1"


def sign(secret: str, timestamp: int, body: str) -> str:
    """The `Stagematch-Signature` value: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# --- fan-out --------------------------------------------------------------------------------


def _hears(organisation_id: uuid.UUID, kind: OrganisationKind, channels: list[str]) -> bool:
    return bool(channels_of(organisation_id, kind.value) & set(channels))


async def _may_know(
    session: AsyncSession, organisation_id: uuid.UUID, kind: OrganisationKind, request_id: str
) -> bool:
    query = (
        select(PlacementRequest.id)
        .join(Campaign)
        .where(PlacementRequest.id == uuid.UUID(request_id))
    )
    if kind == OrganisationKind.school:
        query = query.where(PlacementRequest.school_id == organisation_id)
    else:
        query = query.where(readable_by(kind))
    found = await session.execute(query, {"viewer": organisation_id, "now": clock.now()})
    return found.first() is not None


def _body(event: ChangeEvent) -> str:
    payload = {
        "id": event.id,
        "kind": event.kind,
        "occurred_at": event.created_at.isoformat().replace("+00:00", "Z"),
        **{k: v for k, v in event.payload.items() if k not in ("kind", "id")},
    }
    return json.dumps(payload, separators=(",", ":"))


async def fan_out(session: AsyncSession) -> int:
    """Writes the deliveries of the events not fanned out yet (one batch, committed);
    returns how many events it took."""
    pending = (
        await session.scalars(
            select(ChangeEvent)
            .where(ChangeEvent.fanned_out_at.is_(None))
            .order_by(ChangeEvent.id)
            .limit(FAN_OUT_BATCH)
        )
    ).all()
    if not pending:
        await session.commit()
        return 0
    endpoints = (
        await session.execute(
            select(WebhookEndpoint, Organisation.kind)
            .join(Organisation, Organisation.id == WebhookEndpoint.organisation_id)
            .where(WebhookEndpoint.is_enabled, Organisation.disabled_at.is_(None))
        )
    ).all()
    now = clock.now()
    if not endpoints:
        # Nobody listens: the batch is done in one statement.
        await session.execute(
            update(ChangeEvent)
            .where(ChangeEvent.id.in_([e.id for e in pending]), ChangeEvent.fanned_out_at.is_(None))
            .values(fanned_out_at=now)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        return len(pending)
    taken = 0
    for event in pending:
        claimed = await session.execute(
            update(ChangeEvent)
            .where(ChangeEvent.id == event.id, ChangeEvent.fanned_out_at.is_(None))
            .values(fanned_out_at=now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(claimed) != 1:
            continue  # another worker took it
        taken += 1
        for endpoint, kind in endpoints:
            if event.kind not in endpoint.event_kinds:
                continue
            if not _hears(endpoint.organisation_id, kind, event.channels):
                continue
            request_id = event.payload.get("request_id")
            if request_id and not await _may_know(
                session, endpoint.organisation_id, kind, request_id
            ):
                continue
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    event_id=event.id,
                    kind=event.kind,
                    body=_body(event),
                    created_at=now,
                    next_attempt_at=now,
                    attempts=0,
                )
            )
    await session.commit()
    return taken


# --- sending --------------------------------------------------------------------------------


@dataclass
class Claim:
    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    attempt_id: uuid.UUID


def _due(at: Any) -> ColumnElement[bool]:
    return and_(
        WebhookDelivery.delivered_at.is_(None),
        WebhookDelivery.failed_at.is_(None),
        WebhookDelivery.next_attempt_at <= at,
        or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < at),
    )


def _lease(settings: Settings) -> timedelta:
    # Longer than an attempt can take (its whole timeout, and the address's resolution).
    return timedelta(seconds=settings.webhook_timeout_seconds * 2 + 10)


async def _claim_next(session: AsyncSession, settings: Settings) -> Claim | None:
    for _ in range(3):
        at = clock.now()
        candidates = (
            await session.scalars(
                select(WebhookDelivery.id)
                .where(_due(at))
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.event_id)
                .limit(CONCURRENCY * 2)
            )
        ).all()
        for delivery_id in candidates:
            attempt_id = uuid.uuid4()
            result = await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, _due(at))
                .values(
                    locked_until=clock.now() + _lease(settings),
                    claim_id=attempt_id,
                    attempts=WebhookDelivery.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) == 1:
                delivery = await session.get(WebhookDelivery, delivery_id, populate_existing=True)
                assert delivery is not None
                endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
                assert endpoint is not None
                # Committed before sending: no transaction stays open while the receiver
                # takes its time.
                await session.commit()
                return Claim(delivery, endpoint, attempt_id)
        await session.commit()
        if not candidates:
            return None
    return None


def _pinned(target: urls.Target) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL with the checked address in place of the name, the Host header and the TLS
    name that keep it the name's request."""
    parts = urlsplit(target.url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    netloc = f"{address}:{target.port}"
    default_port = 443 if parts.scheme == "https" else 80
    host = target.host if target.port == default_port else f"{target.host}:{target.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    extensions = {"sni_hostname": target.host} if parts.scheme == "https" else {}
    return url, {"Host": host}, extensions


async def _post(claim: Claim, settings: Settings) -> int:
    """Sends the delivery; its receiver's status code (raises when there is none)."""
    target = await urls.resolve(claim.endpoint.url, settings)
    url, headers, extensions = _pinned(target)
    timestamp = int(clock.now().timestamp())
    body = claim.delivery.body
    headers |= {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(open_secret(claim.endpoint), timestamp, body),
        "Stagematch-Event-Id": str(claim.delivery.event_id),
        "Stagematch-Event-Kind": claim.delivery.kind,
        "Stagematch-Delivery-Id": str(claim.delivery.id),
    }
    timeout = settings.webhook_timeout_seconds
    async with (
        httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client,
        asyncio.timeout(timeout),
        # Streamed, and the answer's body never read: only its status counts, and a
        # receiver cannot make the worker hold a large body.
        client.stream(
            "POST", url, content=body.encode(), headers=headers, extensions=extensions
        ) as response,
    ):
        return response.status_code


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, urls.WebhookUrlRefused):
        return f"refused: {exc.detail}"
    return f"{type(exc).__name__}: {exc}"[:500]


async def _attempt(
    sessionmaker: async_sessionmaker[AsyncSession], claim: Claim, settings: Settings
) -> bool:
    started = time.monotonic()
    status: int | None = None
    error: str | None = None
    try:
        status = await _post(claim, settings)
        if not 200 <= status < 300:
            error = f"answered {status}"
    except Exception as exc:
        error = _describe(exc)
    duration_ms = int((time.monotonic() - started) * 1000)
    async with sessionmaker() as session:
        await _finish(session, claim, settings, status, error, duration_ms)
    return error is None


async def _finish(
    session: AsyncSession,
    claim: Claim,
    settings: Settings,
    status: int | None,
    error: str | None,
    duration_ms: int,
) -> None:
    at = clock.now()
    values: dict[str, Any] = {
        "locked_until": None,
        "claim_id": None,
        "last_attempt_at": at,
        "last_status_code": status,
        "last_error": error,
        "last_duration_ms": duration_ms,
    }
    attempts = claim.delivery.attempts
    if error is None:
        values["delivered_at"] = at
    elif attempts >= MAX_ATTEMPTS:
        values["failed_at"] = at
    else:
        values["next_attempt_at"] = at + timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claim.delivery.id,
            WebhookDelivery.claim_id == claim.attempt_id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        log.error("webhook delivery %s: claim lost before its outcome", claim.delivery.id)
    endpoint_id = claim.endpoint.id
    if error is None:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(consecutive_failures=0)
            .execution_options(synchronize_session=False)
        )
    else:
        log.warning(
            "webhook delivery %s to %s failed (attempt %d): %s",
            claim.delivery.id,
            claim.endpoint.url,
            attempts,
            error,
        )
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(consecutive_failures=WebhookEndpoint.consecutive_failures + 1)
            .execution_options(synchronize_session=False)
        )
        await _switch_off_if_failing(session, endpoint_id, settings, error)
    await session.commit()


async def _switch_off_if_failing(
    session: AsyncSession, endpoint_id: uuid.UUID, settings: Settings, error: str
) -> None:
    """Switches the endpoint off after too many failed attempts in a row (once: a
    conditional UPDATE), gives up its pending deliveries and mails its organisation."""
    threshold = settings.webhook_failures_before_disable
    result = await session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.is_enabled,
            WebhookEndpoint.consecutive_failures >= threshold,
        )
        .values(
            is_enabled=False,
            disabled_at=clock.now(),
            disabled_reason=f"{threshold} failed deliveries in a row; last: {error}"[:200],
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return
    await give_up_pending(session, endpoint_id, "the endpoint was switched off after failures")
    row = (
        await session.execute(
            select(WebhookEndpoint.url, Organisation)
            .join(Organisation, Organisation.id == WebhookEndpoint.organisation_id)
            .where(WebhookEndpoint.id == endpoint_id)
        )
    ).one()
    organisation: Organisation = row[1]
    enqueue(
        session,
        organisation.email,
        "webhook_disabled",
        organisation.language,
        organisation_name=organisation.name,
        url=row[0],
        failures=threshold,
        last_error=error,
        webhook_id=str(endpoint_id),
    )
    log.warning("webhook %s switched off after %d failures", endpoint_id, threshold)


async def _send_some(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    budget: list[int],
    stop: asyncio.Event | None,
) -> int:
    sent = 0
    async with sessionmaker() as session:
        while budget[0] > 0 and not (stop is not None and stop.is_set()):
            budget[0] -= 1
            claim = await _claim_next(session, settings)
            if claim is None:
                break
            sent += await _attempt(sessionmaker, claim, settings)
    return sent


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> int:
    """Sends up to SEND_BATCH due deliveries, CONCURRENCY at a time; returns how many were
    delivered."""
    async with sessionmaker() as session:
        due = len(
            (
                await session.scalars(
                    select(WebhookDelivery.id).where(_due(clock.now())).limit(CONCURRENCY)
                )
            ).all()
        )
    if not due:
        return 0
    budget = [SEND_BATCH]
    results = await asyncio.gather(
        *(_send_some(sessionmaker, settings, budget, stop) for _ in range(due))
    )
    return sum(results)


async def purge(session: AsyncSession, settings: Settings) -> None:
    """Forgets old events, old idempotency keys and old deliveries (the log's retention)."""
    await event_log.purge(session, timedelta(hours=settings.event_retention_hours))
    await purge_idempotency_keys(session, settings)
    cutoff = clock.now() - timedelta(days=settings.webhook_delivery_retention_days)
    await session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


_purged_at = float("-inf")


async def run_pass(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> None:
    """One pass of the worker's loop: fan out the new events, send what is due, and every
    PURGE_INTERVAL_SECONDS forget what is past keeping. Never raises (logs)."""
    global _purged_at
    try:
        async with sessionmaker() as session:
            while await fan_out(session) == FAN_OUT_BATCH:
                pass
        await deliver_due(sessionmaker, settings, stop)
        if time.monotonic() - _purged_at >= PURGE_INTERVAL_SECONDS:
            _purged_at = time.monotonic()
            async with sessionmaker() as session:
                await purge(session, settings)
    except Exception:
        log.exception("webhooks: the worker's pass failed; retrying")

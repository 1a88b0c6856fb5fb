"""`Idempotency-Key` on every POST of the API: a retry after a time-out replays the first
answer instead of doing the work again.

The key belongs to its caller (an API token, or a signed-in user): two callers' keys never
meet. The first request with a key records it (with a fingerprint of its method, path, query
and body) in a transaction of its own before the endpoint runs; once the endpoint answered
2xx, the answer (status, the headers that describe it, body) is stored beside it and every
later request with the same key and fingerprint gets it again, marked `Idempotent-Replayed:
true`. A refused request (4xx, 5xx) stores nothing and lets the key go: it changed nothing,
so running it again is safe, and a corrected request may reuse the key.

- the same key with another request: `422 idempotency_key_reused`;
- the same key while the first request still runs: `409 idempotency_in_progress` with
  `Retry-After: 1` (no waiting in the server: the client retries and then gets the answer);
- a first request that died with its process holds the key for LEASE_SECONDS at most;
- keys are kept IDEMPOTENCY_KEY_HOURS (24), then purged by the worker.

A request without a valid bearer token (the public sign-in endpoints, a refused token) is
not keyed: it runs as it would without the header."""

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import clock
from backend.auth.deps import authenticate
from backend.auth.quota import caller_key
from backend.config import Settings
from backend.db import rowcount
from backend.errors import (
    DomainError,
    FieldError,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    answer,
)
from backend.idempotency.models import IdempotencyKey

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
# How long a first request holds its key: longer than any request runs (the statement
# timeout bounds each statement; the import is the slowest at a few seconds).
LEASE_SECONDS = 120
# The headers of a stored answer that describe it; the others are the replay's own.
KEPT_HEADERS = (
    "content-type",
    "location",
    "etag",
    "last-modified",
    "content-language",
    "content-disposition",
    "cache-control",
)


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(32 < ord(c) < 127 for c in key)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes) -> Receive:
    """A receive that gives the body read already, once, then waits like the server's."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def fingerprint(scope: Scope, body: bytes) -> str:
    """What makes two requests the same: method, path, query (in any order) and body, read
    as what it means rather than as bytes: JSON whatever its spacing and order of members, a
    multipart form by its fields and files whatever its boundary (a client that builds the
    request again picks a new one)."""
    digest = hashlib.sha256()
    query = sorted(parse_qsl(scope.get("query_string", b"").decode("latin-1"), True))
    digest.update(json.dumps([scope["method"], scope["path"], query]).encode())
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
            digest.update(b"json:" + canonical.encode())
            return digest.hexdigest()
        except ValueError:
            pass
    elif content_type == "multipart/form-data":
        try:
            async with Request(scope, _replaying(body)).form() as form:
                fields = []
                for name, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        content = await value.read()
                        fields.append(
                            [
                                name,
                                value.filename,
                                value.content_type,
                                hashlib.sha256(content).hexdigest(),
                            ]
                        )
                    else:
                        fields.append([name, None, None, value])
            digest.update(b"form:" + json.dumps(sorted(fields, key=str)).encode())
            return digest.hexdigest()
        except Exception as exc:
            # An unreadable form: its bytes count, and the endpoint says what is wrong.
            log.debug("idempotency: form not parsed (%s)", type(exc).__name__)
    digest.update(b"raw:" + body)
    return digest.hexdigest()


@dataclass
class Held:
    """A key this request holds while its endpoint runs."""

    row_id: uuid.UUID
    lease: uuid.UUID


async def _begin(
    session: AsyncSession,
    settings: Settings,
    principal: str,
    key: str,
    scope: Scope,
    request_hash: str,
) -> Held | IdempotencyKey | DomainError:
    """Takes the key for this request (Held), or finds its stored answer (the row), or the
    refusal (reused for another request, still in progress)."""
    now = clock.now()
    for _ in range(3):
        row = await session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.principal == principal, IdempotencyKey.key == key
            )
        )
        if row is not None and row.created_at < now - timedelta(
            hours=settings.idempotency_key_hours
        ):
            # Expired (not purged yet): as if never used.
            await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
            row = None
        if row is None:
            lease = uuid.uuid4()
            row = IdempotencyKey(
                principal=principal,
                key=key,
                method=scope["method"],
                path=scope["path"],
                request_hash=request_hash,
                created_at=now,
                locked_until=now + timedelta(seconds=LEASE_SECONDS),
            )
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                # Another request with the key came first: look again.
                await session.rollback()
                continue
            return Held(row.id, lease)
        if row.request_hash != request_hash:
            return IdempotencyKeyReused(
                f"The key was first used for {row.method} {row.path} with another body"
            )
        if row.status_code is not None:
            return row
        if row.locked_until is not None and row.locked_until > now:
            return IdempotencyInProgress(headers={"Retry-After": "1"})
        # Its first request died with its process (its transaction with it): take it over.
        result = await session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.id == row.id,
                IdempotencyKey.status_code.is_(None),
                IdempotencyKey.locked_until == row.locked_until,
            )
            .values(locked_until=now + timedelta(seconds=LEASE_SECONDS))
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        if rowcount(result) == 1:
            return Held(row.id, uuid.uuid4())
    return IdempotencyInProgress(headers={"Retry-After": "1"})


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    held: Held,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
) -> None:
    """Stores a 2xx answer for the key's replays; lets the key go after any other."""
    async with sessionmaker() as session:
        if 200 <= status < 300:
            kept = {
                name.decode("latin-1"): value.decode("latin-1")
                for name, value in headers
                if name.decode("latin-1").lower() in KEPT_HEADERS
            }
            await session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.id == held.row_id)
                .values(
                    status_code=status,
                    response_headers=kept,
                    response_body=body,
                    locked_until=None,
                )
                .execution_options(synchronize_session=False)
            )
        else:
            await session.execute(
                delete(IdempotencyKey)
                .where(IdempotencyKey.id == held.row_id)
                .execution_options(synchronize_session=False)
            )
        await session.commit()


async def _replay(row: IdempotencyKey, send: Send) -> None:
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in (row.response_headers or {}).items()
    ]
    body = row.response_body or b""
    headers += [
        (b"idempotent-replayed", b"true"),
        (b"content-length", str(len(body)).encode()),
    ]
    assert row.status_code is not None
    await send({"type": "http.response.start", "status": row.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    """Keys the API's POSTs that carry an `Idempotency-Key` (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _valid_key(key):
            invalid = [
                {
                    "field": "Idempotency-Key",
                    "code": "string_too_long" if key else "string_too_short",
                    "message": f"1 to {MAX_KEY_LENGTH} printable ASCII characters, no spaces",
                }
            ]
            await answer(FieldError, errors=invalid)(scope, receive, send)
            return
        app = scope["app"]
        settings: Settings = app.state.settings
        sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
        principal = await self._principal(sessionmaker, settings, headers)
        if principal is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        request_hash = await fingerprint(scope, body)
        async with sessionmaker() as session:
            outcome = await _begin(session, settings, principal, key, scope, request_hash)
        if isinstance(outcome, DomainError):
            refusal = answer(type(outcome), outcome.detail, outcome.headers)
            await refusal(scope, receive, send)
            return
        if isinstance(outcome, IdempotencyKey):
            await _replay(outcome, send)
            return
        await self._run(scope, body, send, sessionmaker, outcome)

    async def _principal(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        headers: Headers,
    ) -> str | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            async with sessionmaker() as session:
                actor = await authenticate(session, settings, token.strip())
        except DomainError:
            return None  # the endpoint refuses it itself
        return caller_key(actor)

    async def _run(
        self,
        scope: Scope,
        body: bytes,
        send: Send,
        sessionmaker: async_sessionmaker[AsyncSession],
        held: Held,
    ) -> None:
        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, _replaying(body), capture)
        finally:
            try:
                await _finish(sessionmaker, held, status, response_headers, b"".join(chunks))
            except Exception:
                # The key stays held until its lease ends; the answer itself was sent.
                log.exception("idempotency key: the answer could not be stored")


async def purge(session: AsyncSession, settings: Settings) -> int:
    """Forgets the keys older than IDEMPOTENCY_KEY_HOURS (the worker, every few minutes)."""
    result = await session.execute(
        delete(IdempotencyKey)
        .where(
            IdempotencyKey.created_at
            < clock.now() - timedelta(hours=settings.idempotency_key_hours)
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)

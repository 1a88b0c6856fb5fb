"""`GET /api/v1/events`: server-sent events telling a signed-in organisation that something it
may see changed (a school: its requests; a service: the browse list and its invitations).

The browser's EventSource cannot send an Authorization header, so this one endpoint also
takes the access token as `?access_token=`. That is why it sits on the public router and
authenticates itself: the private router's header-only dependency does not apply to it. The
token is the short-lived access token (15 minutes), valid when the stream opens; the stream
then lasts as long as the sign-in behind it and ends once that does (signed out, password
changed, organisation disabled, API token revoked): told so through the broker it re-checks at
once, and it re-checks every minute regardless. The client then renews and reconnects."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import StreamingResponse

from backend.auth import api_tokens
from backend.auth.deps import Actor, authenticate, check_second_factor
from backend.auth.mfa import MfaEnrollmentRequired
from backend.errors import (
    AccountDisabled,
    DomainError,
    NotAuthenticated,
    TokenInvalid,
    problems,
)
from backend.events import broker as events
from backend.events import log as event_log

log = logging.getLogger(__name__)
router = APIRouter()

HEARTBEAT_SECONDS = 15.0
# However a change of credentials was missed (a replica that Redis did not reach), a stream
# re-checks them this often; told of a change, it re-checks at once.
RECHECK_SECONDS = 60.0
# Tells EventSource how long to wait before reconnecting after the stream breaks.
RETRY_MILLISECONDS = 5000


def _token(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials
    token = request.query_params.get("access_token") or None
    if token is not None and api_tokens.is_api_token(token):
        # URLs end up in access logs: only the short-lived access token may travel there.
        raise TokenInvalid("An API token goes in the Authorization header, not in the URL")
    return token


async def _actor(request: Request, *, check_expiry: bool = True) -> Actor:
    # The same checks as every other endpoint (signature, expiry, session, token version,
    # blocked account); the session is closed before streaming, so a stream holds no
    # connection.
    settings = request.app.state.settings
    async with request.app.state.sessionmaker() as session:
        actor = await authenticate(session, settings, _token(request), check_expiry=check_expiry)
    check_second_factor(actor, settings)
    return actor


async def _still_allowed(request: Request) -> bool:
    """Whether the stream's credentials still hold: its sign-in is live (not signed out, no
    password change since), the account and organisation are not disabled, the API token is
    not revoked. The access token's own 15 minutes do not end a stream; its sign-in does."""
    try:
        await _actor(request, check_expiry=False)
    except DomainError:
        return False
    except Exception as exc:
        # The database unreachable, say: a stream that cannot vouch for itself closes (the
        # client reconnects, and hears the reason), without a traceback per stream.
        log.warning("event stream: could not re-check its credentials (%s)", type(exc).__name__)
        return False
    return True


def _frame(event: events.Event) -> str:
    name = "changed" if event.get("kind") == "resync" else "request_changed"
    # The id lets a reconnecting EventSource say where it was (`Last-Event-ID`).
    event_id = f"id: {event['id']}\n" if isinstance(event.get("id"), int) else ""
    return f"{event_id}event: {name}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"


def _last_event_id(request: Request) -> int | None:
    """The id of the last event a reconnecting client heard: the `Last-Event-ID` header that
    EventSource sends by itself."""
    value = request.headers.get("last-event-id")
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        return 0  # not an id of ours: an unknown one, answered by a reload


async def _missed(request: Request, channels: set[str], last_id: int) -> list[events.Event]:
    """What the client missed since `last_id`, or one `resync` (reload everything) when that
    can no longer be told."""
    settings = request.app.state.settings
    async with request.app.state.sessionmaker() as session:
        missed = await event_log.replay(
            session, channels, last_id, timedelta(hours=settings.event_retention_hours)
        )
    return [{"kind": "resync"}] if missed is None else missed


async def _stream(request: Request, actor: Actor, last_id: int | None) -> AsyncIterator[str]:
    heard = events.channels_of(actor.organisation_id, actor.role.value)
    channels = heard | {
        events.credentials_channel(actor.organisation_id),
        events.credentials_channel(actor.user.id),
    }
    loop = asyncio.get_running_loop()
    async with events.broker().subscribe(channels) as queue:
        # The first frame says the subscription is live; events after it are not missed.
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
        replayed = 0
        if last_id is not None:
            # Read after subscribing: what commits meanwhile is in the queue, or in both.
            for missed in await _missed(request, heard, last_id):
                replayed = max(replayed, missed.get("id", 0))
                yield _frame(missed)
        check_at = loop.time() + RECHECK_SECONDS
        while True:
            wait = min(HEARTBEAT_SECONDS, max(0.0, check_at - loop.time()))
            try:
                event = await asyncio.wait_for(queue.get(), wait)
            except TimeoutError:
                event = None
            if event is events.CLOSED:
                # The server is shutting down: the client reconnects, to another replica.
                return
            kind = event.get("kind") if event is not None else None
            # Told that credentials changed (or events were dropped, that hint among them),
            # or a while passed: the stream ends with its credentials.
            if kind in (events.CREDENTIALS_CHANGED, "resync") or loop.time() >= check_at:
                if not await _still_allowed(request):
                    return
                check_at = loop.time() + RECHECK_SECONDS
            if event is None:
                # A comment keeps proxies from closing an idle connection, and a send to a
                # client that left ends the stream.
                yield ": heartbeat\n\n"
            elif kind != events.CREDENTIALS_CHANGED and not (
                isinstance(event.get("id"), int) and event["id"] <= replayed
            ):
                yield _frame(event)


@router.get(
    "/events",
    tags=["events"],
    summary="Live updates (server-sent events)",
    response_class=StreamingResponse,
    openapi_extra={
        "parameters": [
            {
                "name": "Last-Event-ID",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "The `id:` of the last event heard: the events since (within "
                "24 hours) are sent first, or one `changed` event when that cannot be told",
            }
        ]
    },
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "The event stream: `event: request_changed` with `data: "
            '{"kind": ..., "request_id": ...}`, heartbeats as comments',
        },
        # authenticate() and check_second_factor(), called here rather than as dependencies.
        **problems(NotAuthenticated, TokenInvalid, AccountDisabled, MfaEnrollmentRequired),
    },
)
async def stream_events(
    request: Request,
    access_token: Annotated[
        str | None,
        Query(description="The access token, for a browser's EventSource (never an API token)"),
    ] = None,
) -> StreamingResponse:
    """Events `request_changed` ({id, kind, request_id}, the kinds in docs/integrations.md)
    for what the organisation may see; the access token goes in the Authorization header or
    as `?access_token=`. Each event has an `id:`; a client reconnecting with
    `Last-Event-ID` (EventSource sends it) first gets the events it missed, within
    EVENT_RETENTION_HOURS, or one `changed` event (reload everything) when that cannot be
    told."""
    actor = await _actor(request)
    return StreamingResponse(
        _stream(request, actor, _last_event_id(request)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )

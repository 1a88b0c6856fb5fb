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
    return f"event: {name}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"


async def _stream(request: Request, actor: Actor) -> AsyncIterator[str]:
    channels = events.channels_of(actor.organisation_id, actor.role.value) | {
        events.credentials_channel(actor.organisation_id),
        events.credentials_channel(actor.user.id),
    }
    loop = asyncio.get_running_loop()
    async with events.broker().subscribe(channels) as queue:
        # The first frame says the subscription is live; events after it are not missed.
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
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
            elif kind != events.CREDENTIALS_CHANGED:
                yield _frame(event)


@router.get(
    "/events",
    tags=["events"],
    summary="Live updates (server-sent events)",
    response_class=StreamingResponse,
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
    """Events `request_changed` ({kind, request_id}) for what the organisation may see;
    the access token goes in the Authorization header or as `?access_token=`."""
    actor = await _actor(request)
    return StreamingResponse(
        _stream(request, actor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )

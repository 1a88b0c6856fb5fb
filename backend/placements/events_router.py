"""`GET /api/v1/events`: server-sent events telling a signed-in organisation that something it
may see changed (a school: its requests; a service: the browse list and its invitations).

The browser's EventSource cannot send an Authorization header, so this one endpoint also
takes the access token as `?access_token=`. That is why it sits on the public router and
authenticates itself: the private router's header-only dependency does not apply to it. The
token is the short-lived access token (15 minutes); the client reconnects with a fresh one."""

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from backend.auth import api_tokens
from backend.auth.deps import Actor, current_actor
from backend.config import get_settings
from backend.errors import TokenInvalid
from backend.placements import events

router = APIRouter()

HEARTBEAT_SECONDS = 15.0
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


async def _actor(request: Request) -> Actor:
    # The same checks as every other endpoint (signature, expiry, token version, blocked
    # account); the session is closed before streaming, so a stream holds no connection.
    async with request.app.state.sessionmaker() as session:
        return await current_actor(session, get_settings(), _token(request))


def _frame(event: dict) -> str:
    name = "changed" if event.get("kind") == "resync" else "request_changed"
    return f"event: {name}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"


async def _stream(actor: Actor) -> AsyncIterator[str]:
    channels = events.channels_of(actor.organisation_id, actor.role.value)
    async with events.broker().subscribe(channels) as queue:
        # The first frame says the subscription is live; events after it are not missed.
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                # A comment keeps proxies from closing an idle connection, and a send to a
                # client that left ends the stream.
                yield ": heartbeat\n\n"
                continue
            if event is events.CLOSED:
                # The server is shutting down: the client reconnects, to another replica.
                return
            yield _frame(event)


@router.get(
    "/events",
    tags=["events"],
    summary="Live updates (server-sent events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The event stream"}},
)
async def stream_events(request: Request) -> StreamingResponse:
    """Events `request_changed` ({kind, request_id}) for what the organisation may see;
    the access token goes in the Authorization header or as `?access_token=`."""
    actor = await _actor(request)
    return StreamingResponse(
        _stream(actor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )

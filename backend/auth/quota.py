"""The API's per-caller limits on the way in and out: a dependency of the private routers
counts each request of an API token or signed-in user (`Limiter.api_request`), and a small
middleware writes where the caller stands into the answer's `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` headers (IETF draft "RateLimit header fields"),
whatever the answer: a success, a problem, a 429 (which adds `Retry-After`)."""

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.auth.deps import WRITE_METHODS, AuthenticatedActor, LimiterDep
from backend.auth.ratelimit import Quota
from backend.errors import RateLimited, declares

STATE_KEY = "rate_limit"


def caller_key(actor: AuthenticatedActor) -> str:
    """Whose budget a request spends: its API token's, else its signed-in user's."""
    if actor.api_token is not None:
        return f"token:{actor.api_token.id}"
    return f"user:{actor.user.id}"


@declares(RateLimited)
async def api_rate_limit(request: Request, actor: AuthenticatedActor, limiter: LimiterDep) -> None:
    """Spends one request of the caller's reads or writes, or answers 429."""
    quota = await limiter.api_request(caller_key(actor), write=request.method in WRITE_METHODS)
    request.state.rate_limit = quota


class RateLimitHeaders:
    """Adds the caller's `RateLimit-*` headers to the answer of a counted request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # Set here, so that a copy of the scope further in still shares it.
        state = scope.setdefault("state", {})

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                quota = state.get(STATE_KEY)
                if isinstance(quota, Quota):
                    headers = MutableHeaders(scope=message)
                    for name, value in quota.headers().items():
                        if name not in headers:
                            headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_quota)

"""A ceiling on request bodies, before anything reads them whole: a declared Content-Length
over the limit is refused before the application runs, and a body without one (chunked) is
counted as it streams in and refused at the first byte over. The refusal is a `413
payload_too_large` problem that closes the connection, so the server stops reading the rest.

FastAPI's own `max_body_size` counts the same bytes once an endpoint reads its body; this one
refuses a declared length before routing, answers with a code of its own and closes the
connection."""

import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import PayloadTooLarge, answer
from backend.placements.files import importing

# JSON bodies of this API are a few kilobytes; a megabyte leaves room and bounds the parsing.
JSON_LIMIT = 1024 * 1024
# An upload: the file's own limit and its multipart envelope (boundaries, part headers).
UPLOAD_LIMITS = {
    "/api/v1/placement-requests/import": importing.MAX_BYTES + 64 * 1024,
}


class _TooLarge(Exception):
    """Raised into the application when its body passes the limit (the 413 is sent)."""


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed Content-Length itself
    return None


class BodySizeLimit:
    def __init__(
        self, app: ASGIApp, default: int = JSON_LIMIT, limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.default = default
        self.limits = UPLOAD_LIMITS if limits is None else limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A GET or HEAD has no body any endpoint reads: nothing to count (the lists' hot path).
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, limit)
            return

        received = 0
        refused = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(scope, receive, send, limit)
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out; the application's answer to a cut body does not
            started = started or message["type"] == "http.response.start"
            await send(message)

        # The application may let the cut body's error through; the 413 is answered already.
        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted_receive, guarded_send)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = answer(
        PayloadTooLarge,
        f"At most {limit} bytes",
        headers={"Connection": "close"},
        max_bytes=limit,
    )
    await response(scope, receive, send)

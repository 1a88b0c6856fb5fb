"""Logs as JSON lines (one object per line) carrying the request id, and the pure ASGI
middleware that gives every request an id, returns it in `X-Request-ID` and logs one access
line per request.

A pure ASGI middleware, not Starlette's BaseHTTPMiddleware: that one buffers and breaks
streaming responses such as the server-sent events of `/api/v1/events`."""

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.config import Settings

REQUEST_ID_HEADER = "x-request-id"
MAX_REQUEST_ID_LENGTH = 64
# What a proxy's or a client's id may contain; anything else is replaced by our own id, so
# that no header can inject text into the logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,64}$")

request_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "request_context", default=None
)
access_log = logging.getLogger("stagematch.access")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "color_message"}  # uvicorn's terminal-coloured copy
)


def request_id() -> str | None:
    context = request_context.get()
    return context["request_id"] if context else None


def sanitise_request_id(raw: str | None) -> str:
    """The caller's id when it is short and plain, else a new one."""
    if raw and _SAFE_REQUEST_ID.match(raw):
        return raw
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's id, method and
    path, and whatever the call passed with `extra=`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = request_context.get()
        if context:
            entry.update(context)
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        try:
            return orjson.dumps(entry, default=str).decode()
        except TypeError:  # what orjson refuses (a key that is not a string, a huge int)
            return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable lines for development, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = request_id()
        return f"{line} [{rid}]" if rid else line


def configure(settings: Settings, level: int = logging.INFO, stream: Any = None) -> None:
    """Replaces the root logger's handlers with one that writes lines as LOG_FORMAT says
    (`Settings.effective_log_format`); uvicorn's loggers propagate to it, so the whole process
    logs one way."""
    handler = logging.StreamHandler(stream or sys.stderr)
    json_lines = settings.effective_log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # Our middleware writes the access line (with the request id); uvicorn's would repeat it.
    logging.getLogger("uvicorn.access").disabled = True


class RequestContextMiddleware:
    """Gives each HTTP request an id (the caller's `X-Request-ID` when it is safe), sends it
    back in `X-Request-ID` on every response (errors and streams included) and logs one
    access line when the response ends. Never logs the query string: it may carry a token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = sanitise_request_id(incoming)
        context = {"request_id": rid, "method": scope.get("method"), "path": scope.get("path")}
        token = request_context.set(context)
        started = time.perf_counter()
        status: list[int] = []

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                headers = [
                    (k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if not status:
                raise
            # Starlette's error middleware answered (500) and the error handler of errors.py
            # logged the traceback with this request's id; it re-raises only so that the
            # server can log it, which uvicorn would do a second time, without the id.
        finally:
            # No response started means the app raised: the error handler answered 500.
            code = status[0] if status else 500
            # The forwarded address when the proxy is trusted (uvicorn's proxy headers
            # middleware, outside this one, has put it in the scope), else the peer's.
            client = (scope.get("client") or ("unknown",))[0]
            access_log.log(
                logging.WARNING if code >= 500 else logging.INFO,
                "%s %s %s %s",
                client,
                scope.get("method"),
                scope.get("path"),
                code,
                extra={
                    "client": client,
                    "status": code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_context.reset(token)

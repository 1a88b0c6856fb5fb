"""What the outbox's writer (backend.mail.service, in the request's transaction) and its
reader (backend.mail.worker) share: the stand-in for a link's token in the stored bodies, the
one-line header values, and the wake-up call of an in-process worker. It sits below both so
that neither imports the other: the worker's reminders write mail through the service."""

import asyncio

# Stands for a link's token in the stored bodies; URL- and HTML-safe, so it survives both.
TOKEN_PLACEHOLDER = "~link-token~"
_wakeup: asyncio.Event | None = None


def wake() -> None:
    """Tells an in-process worker that new mail is waiting (called after commit)."""
    if _wakeup is not None:
        _wakeup.set()


def wakeup_event() -> asyncio.Event:
    """The event `wake` sets from now on: a worker's, made in its own event loop."""
    global _wakeup
    _wakeup = asyncio.Event()
    return _wakeup


def one_line(value: str) -> str:
    """A header value on one line: CR, LF (which would end the header and start a forged one)
    and every other run of whitespace become one space."""
    return " ".join(value.split())

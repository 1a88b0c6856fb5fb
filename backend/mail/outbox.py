"""What the outbox's writer (backend.mail.service, in the request's transaction) and its
reader (backend.mail.worker) share: the stand-in for a link's token in the stored bodies, the
one-line header values, what a reader of the stored mail sees instead of a link's token, and
the wake-up call of an in-process worker. It sits below both so
that neither imports the other: the worker's reminders write mail through the service."""

import asyncio
import re

# Stands for a link's token in the stored bodies; URL- and HTML-safe, so it survives both.
TOKEN_PLACEHOLDER = "~link-token~"
_wakeup: asyncio.Event | None = None
# A link that opens an account: its token's placeholder, or a `token=` of any kind (a mail
# stored before links were sealed, a template that forgot `secret_link`). In HTML, `&amp;`.
_SECRET = r"(?:~link-token~|[?&]token=|&amp;token=)"
_SECRET_HREF = re.compile(rf'href="[^"]*{_SECRET}[^"]*"')
_SECRET_URL = re.compile(rf"[^\s\"'<>]*{_SECRET}[^\s\"'<>]*")
# What the admin reads instead, in any mail's language (the admin's words, not the recipient's).
HIDDEN_LINK = "[link verborgen]"


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


def without_secrets(body: str) -> str:
    """A stored body as the admin may read it: every link with a token (activation, reset)
    replaced by "[link verborgen]", in HTML its `href` too (to "#")."""
    return _SECRET_URL.sub(HIDDEN_LINK, _SECRET_HREF.sub('href="#"', body))

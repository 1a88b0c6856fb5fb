"""Draining on SIGTERM. uvicorn then stops accepting connections and waits for the open ones
to finish (at most SHUTDOWN_GRACE_SECONDS) before it runs the app's lifespan shutdown; an event
stream never finishes by itself, so the app must hear of the signal before that. It chains the
server's own handler (in every worker process too): the server still does all it did, and the
app's callback runs on the event loop at once."""

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)

# What signal.getsignal returns: a function, SIG_DFL / SIG_IGN, or None (set outside Python).
Handler = Callable[[int, FrameType | None], Any] | int | None


def on_exit_signal(callback: Callable[[], None]) -> Callable[[], None]:
    """Runs `callback` on the running loop when the process is told to stop (SIGTERM,
    SIGINT), before the server's handler; returns what puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread receives signals (an app run by a test)
    loop = asyncio.get_running_loop()
    previous: dict[int, Handler] = {sig: signal.getsignal(sig) for sig in SIGNALS}

    def handler(sig: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(callback)
        prior = previous[sig]
        if callable(prior):
            prior(sig, frame)
        elif prior == signal.SIG_DFL:
            # No server handles the signal: do what it would have done without us.
            signal.signal(sig, prior)
            signal.raise_signal(sig)

    for sig in SIGNALS:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, prior in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, prior)

    return restore

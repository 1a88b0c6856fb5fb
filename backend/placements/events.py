"""Live updates: a broker of per-organisation queues that the event stream reads; with
REDIS_URL set, every publish goes through Redis pub/sub so that all API processes hear it.

Events are hints to refresh ("request R changed"), never data: what a viewer may see still
comes from the API, so an event carries only a request id and what kind of change it was."""

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import get_settings
from backend.db import after_commit

log = logging.getLogger(__name__)

# Channels besides the organisations' own ids.
SERVICES = "services"  # every service: the browse list changed
ADMINS = "admins"  # the administrators see everything
QUEUE_SIZE = 100
# Not for the client: tells a stream to re-check the credentials it was opened with.
CREDENTIALS_CHANGED = "credentials_changed"
REDIS_CHANNEL = "stagematch:events"


class Broker:
    """Subscribers' queues by channel; `publish` is synchronous so that it can run as an
    after-commit callback."""

    def __init__(self, redis_url: str | None = None, channel: str = REDIS_CHANNEL) -> None:
        self.redis_url = redis_url or None
        self.channel = channel
        self._queues: dict[str, set[asyncio.Queue]] = {}
        self._redis: Any = None
        self._listener: asyncio.Task | None = None
        self._listening = asyncio.Event()
        self._pending: set[asyncio.Task] = set()

    @contextlib.asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[asyncio.Queue]:
        """A queue receiving every event published to any of `channels`, while open."""
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        channels = set(channels)
        for name in channels:
            self._queues.setdefault(name, set()).add(queue)
        try:
            if self.redis_url:
                await self._ensure_listener()
            yield queue
        finally:
            for name in channels:
                subscribers = self._queues.get(name)
                if subscribers is not None:
                    subscribers.discard(queue)
                    if not subscribers:
                        del self._queues[name]

    def publish(self, channels: Iterable[str], event: dict[str, Any]) -> None:
        """Sends `event` to the subscribers of `channels`, in every process when Redis is set."""
        channels = sorted({str(c) for c in channels})
        if not self.redis_url:
            self._deliver(channels, event)
            return
        message = json.dumps({"channels": channels, "event": event})
        task = asyncio.get_running_loop().create_task(self._publish_redis(message))
        # Keep a reference: the loop holds tasks weakly.
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def subscriber_count(self) -> int:
        return len({id(q) for queues in self._queues.values() for q in queues})

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    def _deliver(self, channels: Iterable[str], event: dict[str, Any]) -> None:
        # A subscriber on two of the channels still gets the event once.
        queues = {id(q): q for name in channels for q in self._queues.get(name, ())}
        for queue in queues.values():
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A stalled client: drop what it missed and tell it to reload everything.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait({"kind": "resync"})

    def _client(self) -> Any:
        if self._redis is None:
            import redis.asyncio as redis

            self._redis = redis.from_url(self.redis_url)
        return self._redis

    async def _publish_redis(self, message: str) -> None:
        try:
            await self._client().publish(self.channel, message)
        except Exception:
            # Live updates are a convenience: a Redis outage must not fail a request that has
            # already committed. This process's own subscribers still hear it.
            log.warning("could not publish a live update through Redis", exc_info=True)
            payload = json.loads(message)
            self._deliver(payload["channels"], payload["event"])

    async def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listening.clear()
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        # Subscribed before the caller goes on, so no event published after is missed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 5)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self._client().pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(self.channel)
                self._listening.set()
                try:
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        payload = json.loads(message["data"])
                        self._deliver(payload["channels"], payload["event"])
                finally:
                    await pubsub.aclose()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live updates: Redis subscription lost, retrying", exc_info=True)
                self._listening.set()
                await asyncio.sleep(2)


_broker: Broker | None = None


def broker() -> Broker:
    """The process's broker, configured from the settings on first use."""
    global _broker
    if _broker is None:
        _broker = Broker(get_settings().redis_url)
    return _broker


async def close_broker() -> None:
    """Ends the process's broker (its Redis connection and listener) at shutdown."""
    previous = set_broker(None)
    if previous is not None:
        await previous.close()


def set_broker(new: Broker | None) -> Broker | None:
    """Replaces the process's broker (tests); returns the previous one."""
    global _broker
    previous, _broker = _broker, new
    return previous


def channels_of(organisation_id: uuid.UUID, role: str) -> set[str]:
    """What an organisation listens to: its own channel, and the shared one of its role."""
    if role == "admin":
        return {ADMINS}
    if role == "service":
        return {str(organisation_id), SERVICES}
    return {str(organisation_id)}


def credentials_channel(owner_id: uuid.UUID) -> str:
    """Where the streams of a user or an organisation hear that their credentials changed."""
    return f"credentials:{owner_id}"


def credentials_changed(session: AsyncSession, owner_id: uuid.UUID) -> None:
    """Once the transaction commits, the open streams of this user or organisation re-check
    their credentials, and close if these no longer hold (signed out, password changed,
    organisation disabled, API token revoked)."""
    publish_after_commit(session, [credentials_channel(owner_id)], {"kind": CREDENTIALS_CHANGED})


def publish_after_commit(
    session: AsyncSession, channels: Iterable[str | uuid.UUID], event: dict[str, Any]
) -> None:
    """Publishes once the session's transaction has committed (never for a rolled-back one)."""
    targets = [str(c) for c in channels]
    after_commit(session, lambda: broker().publish(targets, event))


def request_changed(
    session: AsyncSession,
    *,
    request_id: uuid.UUID,
    school_id: uuid.UUID,
    kind: str,
    available: bool | None = None,
    services: Iterable[uuid.UUID] = (),
) -> None:
    """A request changed: its school and the admins hear `kind`; when `available` is given,
    every service hears whether the request is (still) in the browse list; `services` hear it
    on their own channel (their invitation changed although the list may not have)."""
    event = {"kind": kind, "request_id": str(request_id)}
    publish_after_commit(session, [school_id, ADMINS], event)
    if available is not None:
        publish_after_commit(session, [SERVICES], {**event, "available": available})
    elif services:
        publish_after_commit(session, list(services), event)

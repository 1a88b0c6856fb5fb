"""Live updates: a broker of per-organisation queues that the event stream reads; with
REDIS_URL set, every publish goes through Redis pub/sub so that all API processes hear it.

Redis is a convenience here, not a dependency: while it is down, events reach the streams of
the process that published them (one log line when it goes, one when it is back), and the
streams of other processes hear them again once it returns.

Events are hints to refresh ("request R changed"), never data: what a viewer may see still
comes from the API, so an event carries only a request id and what kind of change it was."""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import after_commit

log = logging.getLogger(__name__)

# Channels besides the organisations' own ids.
SERVICES = "services"  # every service: the browse list changed
ADMINS = "admins"  # the administrators see everything
QUEUE_SIZE = 100
# Not for the client: tells a stream to re-check the credentials it was opened with.
CREDENTIALS_CHANGED = "credentials_changed"
REDIS_CHANNEL = "stagematch:events"
# While Redis is down, publishing tries it again at most this often (the subscription too).
REDIS_RETRY_SECONDS = 2.0
REDIS_TIMEOUT_SECONDS = 2.0
# What a stream's queue receives: an event, as JSON-ready as the stream sends it.
Event = dict[str, Any]
# What a stream's queue receives when the process shuts down: the stream ends.
CLOSED: Event = {"kind": "closed"}


class Broker:
    """Subscribers' queues by channel; `publish` is synchronous so that it can run as an
    after-commit callback."""

    def __init__(self, redis_url: str | None = None, channel: str = REDIS_CHANNEL) -> None:
        self.redis_url = redis_url or None
        self.channel = channel
        self._queues: dict[str, set[asyncio.Queue[Event]]] = {}
        self._redis: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._subscribed = False  # the listener holds a live Redis subscription
        self._pending: set[asyncio.Task[None]] = set()
        self._closing = False
        # None until Redis was first tried; False while it is known to be down.
        self.redis_up: bool | None = None
        self._retry_redis_at = 0.0

    @contextlib.asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue receiving every event published to any of `channels`, while open."""
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        if self._closing:
            queue.put_nowait(CLOSED)
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
        delivered = not self._subscribed
        if delivered:
            # No subscription of ours would bring it back from Redis (none configured, or
            # down): this process's streams hear it now.
            self._deliver(channels, event)
        if not self.redis_url or (
            self.redis_up is False and time.monotonic() < self._retry_redis_at
        ):
            return
        message = json.dumps({"channels": channels, "event": event})
        task = asyncio.get_running_loop().create_task(self._publish_redis(message, delivered))
        # Keep a reference: the loop holds tasks weakly.
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def subscriber_count(self) -> int:
        return len(self._subscribers())

    def end_streams(self) -> None:
        """Ends every open stream, and any opened after (the process is shutting down): their
        clients reconnect, to a replica that stays."""
        self._closing = True
        for queue in self._subscribers():
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(CLOSED)

    def _subscribers(self) -> list[asyncio.Queue[Event]]:
        return list({id(q): q for queues in self._queues.values() for q in queues}.values())

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
        if self._closing:
            return  # every stream has its CLOSED already
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
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            assert self.redis_url, "Redis is used only when REDIS_URL is set"
            self._redis = redis.from_url(
                self.redis_url,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                # After Redis restarted, the pooled connection is dead: one more try on a
                # fresh one, so that its return does not cost an event.
                retry=Retry(NoBackoff(), 1),
            )
        return self._redis

    def _redis_state(self, up: bool, problem: BaseException | None = None) -> None:
        """Logs one line when Redis goes away or comes back, none while it stays so."""
        was, self.redis_up = self.redis_up, up
        if not up:
            self._retry_redis_at = time.monotonic() + REDIS_RETRY_SECONDS
            if was is not False:
                log.warning(
                    "Redis unavailable (%s: %s): live updates reach this process's streams "
                    "only, until it is back",
                    problem.__class__.__name__,
                    problem,
                )
        elif was is False:
            log.info("Redis available again: live updates reach every process")

    async def _publish_redis(self, message: str, delivered: bool) -> None:
        try:
            await self._client().publish(self.channel, message)
        except Exception as exc:
            # Live updates are a convenience: a Redis outage must not fail a request that has
            # already committed. This process's own streams hear it all the same.
            self._redis_state(False, exc)
            if not delivered:
                payload = json.loads(message)
                self._deliver(payload["channels"], payload["event"])
        else:
            self._redis_state(True)

    async def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listening.clear()
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        # Subscribed before the caller goes on, so no event published after is missed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 5)

    async def _listen(self) -> None:
        import redis.asyncio as redis

        # Its own connection, without a read timeout: a subscription is quiet for long.
        assert self.redis_url, "Redis is used only when REDIS_URL is set"
        client = redis.from_url(
            self.redis_url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_keepalive=True
        )
        try:
            while True:
                try:
                    await self._subscription(client)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._redis_state(False, exc)
                self._listening.set()
                await asyncio.sleep(REDIS_RETRY_SECONDS)
        finally:
            await client.aclose()

    async def _subscription(self, client: Any) -> None:
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            self._subscribed = True
            self._redis_state(True)
            self._listening.set()
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                payload = json.loads(message["data"])
                self._deliver(payload["channels"], payload["event"])
        finally:
            self._subscribed = False
            with contextlib.suppress(Exception):
                await pubsub.aclose()


_broker: Broker | None = None
_redis_url: str | None = None


def configure(redis_url: str | None) -> None:
    """Names the Redis (REDIS_URL, or None) of the process's broker, which starts on first
    use (create_app and the CLI's commands call it first). A broker of another Redis is let
    go: a test's app of its own settings, say."""
    global _broker, _redis_url
    _redis_url = redis_url or None
    if _broker is not None and _broker.redis_url != _redis_url:
        _broker = None


def broker() -> Broker:
    """The process's broker, of the configured REDIS_URL."""
    global _broker
    if _broker is None:
        _broker = Broker(_redis_url)
    return _broker


async def close_broker() -> None:
    """Ends the process's broker (its Redis connection and listener) at shutdown."""
    previous = set_broker(None)
    if previous is not None:
        await previous.close()


def end_streams() -> None:
    """Ends the process's event streams (on SIGTERM, before the server drains)."""
    if _broker is not None:
        _broker.end_streams()


def stream_count() -> int:
    """How many event streams this process serves (a metric)."""
    return _broker.subscriber_count() if _broker is not None else 0


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

"""Prometheus metrics at `GET /metrics`, one set per process: every replica is scraped on its
own (docs/OPERATIONS.md). Requests by route template and status (a pure ASGI middleware of a
few microseconds), the database pool, the mail outbox (read from its table when scraped), the
open event streams and the mail worker's last successful pass."""

import asyncio
import hmac
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import clock
from backend.errors import NotFound, problems
from backend.events import broker as events
from backend.mail.models import OutboxMail

router = APIRouter(include_in_schema=False)

# A client may send any method; the label takes only these, so that it cannot grow unbounded.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A proxy in front adds one of these; a scraper inside the network reaches a replica directly.
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
SCRAPE_QUERY_SECONDS = 2.0


# What belongs to the process rather than to one app: the mail worker runs in the API process
# (MAIL_WORKER_IN_PROCESS) or in `stagematch mail-worker`, which serves these on its own port.
class _MailWorker(Collector):
    """The heartbeat, present only in a process whose mail worker has run (an alert on its
    age then concerns the processes that deliver mail, not every replica)."""

    last_success: float | None = None

    def collect(self) -> Any:
        if self.last_success is not None:
            yield GaugeMetricFamily(
                "stagematch_mail_worker_last_success_timestamp_seconds",
                "When this process's mail worker last finished a pass without error (Unix time)",
                value=self.last_success,
            )


PROCESS = CollectorRegistry()
_mail_worker = _MailWorker()
PROCESS.register(_mail_worker)


def mail_worker_succeeded() -> None:
    """The mail worker finished a pass without error (its heartbeat)."""
    _mail_worker.last_success = time.time()


def serve_process_metrics(port: int) -> None:
    """Serves this process's own metrics on `port` (for `stagematch mail-worker`)."""
    start_http_server(port, registry=PROCESS)


class Metrics:
    """One app's request metrics and what `/metrics` reads when scraped."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter(
            "stagematch_http_requests",
            "HTTP requests by method, route template and status",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "stagematch_http_request_duration_seconds",
            "Time until the response's status and headers (an event stream's first byte)",
            labels,
            registry=self.registry,
        )
        self.scraped = _Scraped()
        self.registry.register(self.scraped)
        # The labelled children by (method, route, status): a dict lookup per request
        # instead of prometheus_client's locked `labels()` twice.
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._templates: dict[int, str] = {}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"]
        key = (method if method in METHODS else "other", self._template(scope), str(status))
        children = self._children.get(key)
        if children is None:
            children = (self.requests.labels(*key), self.latency.labels(*key))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def _template(self, scope: Scope) -> str:
        """The full template of the route that answered, `unmatched` when none did."""
        route = scope.get("route")
        if route is None:
            return "unmatched"
        # By identity: routes live as long as the app (and are not hashable).
        template = self._templates.get(id(route))
        if template is None:
            template = self._templates[id(route)] = _full_template(scope["path"], route)
        return template


class _Scraped(Collector):
    """Gauges read when `/metrics` is scraped, from what `refresh` gathered just before."""

    def __init__(self) -> None:
        self.pool: dict[str, int] = {}
        self.outbox: dict[str, float] | None = None

    def collect(self) -> Any:
        streams = GaugeMetricFamily(
            "stagematch_event_streams", "Open event streams (/api/v1/events) of this process"
        )
        streams.add_metric([], events.stream_count())
        yield streams
        for name, (value, text) in {
            "stagematch_db_pool_size": (self.pool.get("size"), "Connections the pool keeps"),
            "stagematch_db_pool_checked_out": (
                self.pool.get("checked_out"),
                "Pooled connections in use by requests now",
            ),
        }.items():
            if value is not None:
                yield GaugeMetricFamily(name, text, value=value)
        if self.outbox is None:
            return  # the database did not answer: no figure rather than a stale one
        mails = GaugeMetricFamily(
            "stagematch_mail_outbox_mails",
            "Mails in the outbox by state: waiting (to be sent or retried), failed (given up), "
            "sent (kept until purged)",
            labels=["state"],
        )
        for state in ("waiting", "failed", "sent"):
            mails.add_metric([state], self.outbox[state])
        yield mails
        yield GaugeMetricFamily(
            "stagematch_mail_outbox_oldest_waiting_age_seconds",
            "Age of the oldest mail still waiting to be sent (0 when none waits)",
            value=self.outbox["oldest_waiting_age"],
        )

    async def refresh(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        engine = sessionmaker.kw.get("bind")
        pool = engine.sync_engine.pool if isinstance(engine, AsyncEngine) else None
        if isinstance(pool, QueuePool):
            self.pool = {"size": pool.size(), "checked_out": pool.checkedout()}
        try:
            self.outbox = await asyncio.wait_for(_outbox(sessionmaker), SCRAPE_QUERY_SECONDS)
        except Exception:  # the database's own outage is reported by /readyz and the 503s
            self.outbox = None


async def _outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, float]:
    # Cheap on a large outbox: the unsent mails are few and found through the index on
    # (sent_at, next_attempt_at); the sent ones are counted from that index alone.
    waiting = OutboxMail.failed_at.is_(None)
    async with sessionmaker() as session:
        unsent = (
            await session.execute(
                select(
                    func.count().filter(waiting),
                    func.min(OutboxMail.created_at).filter(waiting),
                    func.count().filter(~waiting),
                ).where(OutboxMail.sent_at.is_(None))
            )
        ).one()
        sent = await session.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_not(None))
        )
    oldest = unsent[1]
    if isinstance(oldest, str):  # SQLite returns an aggregate of datetimes as text
        oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
    age = (clock.now() - oldest).total_seconds() if oldest is not None else 0.0
    return {"waiting": unsent[0], "failed": unsent[2], "sent": sent or 0, "oldest_waiting_age": age}


class MetricsMiddleware:
    """Counts each HTTP request and times it until its response starts, by the template of
    the route that answered (`/api/v1/placement-requests/{request_id}`, never the raw path).
    Pure ASGI: it neither buffers nor delays a streaming response."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = False

        async def send_timed(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
                self.metrics.observe(scope, message["status"], time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            if not answered:  # the app raised before answering: the server answers 500
                self.metrics.observe(scope, 500, time.perf_counter() - started)


def _full_template(path: str, route: Any) -> str:
    # The router leaves the route it chose in the scope, its path relative to the routers
    # that include it (`/placement-requests/{request_id}` under `/api/v1`). Their prefixes
    # have no parameters: whatever comes before the part of the path that the route's own
    # pattern matches is that prefix, the same for every request of the route.
    relative, pattern = getattr(route, "path", ""), getattr(route, "path_regex", None)
    if pattern is not None:
        for start, character in enumerate(path):
            if character == "/" and pattern.match(path[start:]):
                return path[:start] + relative
    return relative or "unmatched"


def _may_read(request: Request, token: str | None) -> bool:
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())
    return not any(header in request.headers for header in FORWARDING_HEADERS)


@router.get("/metrics", responses=problems(NotFound))
async def metrics(request: Request) -> Response:
    """This process's metrics in Prometheus' text format, for a scraper only: a bearer of
    METRICS_TOKEN when set, else a request that came without a proxy's forwarding header."""
    if not _may_read(request, request.app.state.settings.metrics_token):
        raise NotFound("No such page")
    app_metrics: Metrics = request.app.state.metrics
    await app_metrics.scraped.refresh(request.app.state.sessionmaker)
    body = generate_latest(app_metrics.registry) + generate_latest(PROCESS)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

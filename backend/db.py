"""Engine, session, the declarative base with its naming convention, and the configuration
of the migrations (alembic)."""

import asyncio
import logging
import math
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import orjson
from fastapi import Depends, Request
from sqlalchemy import JSON, CursorResult, DateTime, MetaData, Result, TypeDecorator, event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.concurrency import await_
from sqlalchemy.util.langhelpers import memoized_property
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

from backend import clock
from backend.config import ROOT, Settings
from backend.errors import DomainError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        # asyncpg returns `timestamptz` as aware datetimes in UTC already: no call per value
        # (a page of 200 requests reads some 1,200 of them).
        if dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=lambda: clock.now(), onupdate=lambda: clock.now()
    )


def create_engine(
    settings: Settings, *, statement_timeout: float | None = None, **kwargs: Any
) -> AsyncEngine:
    """The engine of `settings`; `statement_timeout` bounds each statement (lock waits
    included): the API's engine passes DB_STATEMENT_TIMEOUT_SECONDS, while migrations and
    maintenance commands, which may rightly run long, pass nothing."""
    url = settings.async_database_url
    if ":memory:" not in url:  # (an in-memory SQLite has a single static connection)
        kwargs.setdefault("pool_timeout", settings.db_pool_timeout_seconds)
        kwargs.setdefault("poolclass", FairQueuePool)
    if url.startswith("sqlite"):
        # SQLite has no statement timeout; what hangs there is the wait for the write lock.
        busy = statement_timeout or SQLITE_BUSY_SECONDS
        return _sqlite_engine(url, busy_seconds=busy, **kwargs)
    # No parallel workers: a request's statement reads a page, and starting workers for it
    # costs more than it saves (a few milliseconds each time), while under load they only
    # take the cores the other requests wait for. PostgreSQL chose a parallel walk of the
    # newest-first index for the browse list at 1,000,000 requests (docs/PERFORMANCE.md).
    server_settings = {"max_parallel_workers_per_gather": "0"}
    connect_args: dict[str, Any] = {"timeout": settings.db_connect_timeout_seconds}
    if statement_timeout:
        # The server cancels a statement that runs (or waits for a lock) too long, and the
        # connection stays usable; the client's own timeout, a little later, is for a server
        # or network that stopped answering altogether.
        server_settings["statement_timeout"] = str(int(statement_timeout * 1000))
        connect_args["command_timeout"] = statement_timeout + 0.5
    connect_args["server_settings"] = server_settings
    kwargs["connect_args"] = {**connect_args, **kwargs.get("connect_args", {})}
    # JSON columns arrive as text; orjson reads them several times faster than json.
    kwargs.setdefault("json_deserializer", orjson.loads)
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine)
    _drop_when_timed_out(engine)
    return engine


class FairQueue(AsyncAdaptedQueue[Any]):
    """The pool's queue of free connections, first come first served. SQLAlchemy's asyncio
    queue lets a newcomer take a connection just given back before the waiter woken for it
    runs, and that waiter then queues again at the back (asyncio.Queue.get): under load (a
    deadline rush, every connection busy) some requests were overtaken again and again until
    DB_POOL_TIMEOUT_SECONDS ran out and they answered 503, while the average wait was a
    quarter of that. Here a connection given back goes straight to the longest waiter, so
    each wait is about the average one (docs/DECISIONS.md, "The rush's 503s")."""

    @memoized_property
    def _waiters(self) -> deque["asyncio.Future[Any]"]:
        return deque()

    def put_nowait(self, item: Any) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        # A free connection in the queue means nobody waits (put_nowait hands it over).
        if not block or not self.empty():
            return self.get_nowait()
        return await_(self._wait(within=timeout))

    async def _wait(self, within: float | None) -> Any:
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(within):
                return await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                # Handed a connection just as the wait ended: the next waiter takes it.
                self.put_nowait(waiter.result())
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise Empty() from None
            raise


class FairQueuePool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio pool with a queue that serves its waiters in turn (FairQueue)."""

    _queue_class = FairQueue


def _drop_when_timed_out(engine: AsyncEngine) -> None:
    """A connection whose server stopped answering is dropped at once: a rollback, or the
    polite goodbye of a graceful close, would each wait again for an answer that never comes."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _timed_out(context: Any) -> None:
        if not isinstance(context.original_exception, TimeoutError):
            return
        context.is_disconnect = True
        if context.connection is not None:
            context.connection.connection.driver_connection.terminate()


# A pooled connection is pinged before use only when it sat idle this long. Under load the
# connections go back and forth within milliseconds, and `pool_pre_ping` would cost a round
# trip on every request; after a quiet spell (in which the database may have restarted) the
# ping is what keeps the first request from failing. A connection that breaks in use, or
# fails its ping, makes SQLAlchemy invalidate the whole pool: every connection opened before
# is replaced at its next checkout, pinged or not, so the requests after it get fresh ones.
IDLE_PING_SECONDS = 2.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another (a fresh one). Its
            # siblings went down with it (a database restart or outage): the whole pool is
            # invalidated, as SQLAlchemy's own pre-ping does, so that one given back less than
            # IDLE_PING_SECONDS ago, which no ping checks, is not handed to a request dead.
            raise InvalidatePoolError() from exc


# The SQL functions the distance filter uses (placements/lists/distance.py). SQLite has them when
# built with SQLITE_ENABLE_MATH_FUNCTIONS (most builds since 3.35); otherwise Python's serve.
MATH_FUNCTIONS = {
    "sin": math.sin,
    "cos": math.cos,
    "asin": math.asin,
    "sqrt": math.sqrt,
    "radians": math.radians,
    "power": math.pow,
}


def add_math_functions(dbapi_connection: Any) -> None:
    for name, function in MATH_FUNCTIONS.items():
        arguments = 2 if name == "power" else 1
        dbapi_connection.create_function(name, arguments, _null_safe(function), deterministic=True)


def _null_safe(function: Any) -> Any:
    return lambda *args: None if None in args else function(*args)


# How long an SQLite connection waits for another's write lock when no timeout is given.
SQLITE_BUSY_SECONDS = 30.0


def _sqlite_engine(url: str, busy_seconds: float, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": busy_seconds}, **kwargs)

    # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN; take it over
    # (SQLAlchemy's documented recipe) and switch on foreign keys.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        try:
            cursor.execute("SELECT asin(sin(radians(1)))")
        except Exception:  # an SQLite built without its math functions
            add_math_functions(dbapi_connection)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the endpoint succeeds, rolled back otherwise."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except DomainError as exc:
            # Some refusals must still record what they did (a revoked token family, an
            # audit entry of a failed login): those errors say so.
            if not exc.keep_changes:
                await session.rollback()
                raise
            await session.commit()
            _committed(session)
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            _committed(session)


async def run_in_own_session(
    sessionmaker: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[object]],
) -> None:
    """Runs `work` in a transaction of its own, committed when it succeeds: what a request
    leaves for after its response (a 202's). A failure is logged: nobody waits for an answer."""
    try:
        async with sessionmaker() as session:
            await work(session)
            await session.commit()
    except Exception:
        log.exception("work after the response failed")
        return
    _committed(session)


def after_commit(session: AsyncSession, callback: Any) -> None:
    """Run `callback()` once the request's transaction has committed (wake the mail worker)."""
    session.info.setdefault("after_commit", []).append(callback)


def _committed(session: AsyncSession) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


# The session's exit code runs before the response is sent, so a 2xx means committed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. AsyncSession.execute is typed as returning a
    Result, which has no rowcount; for such a statement it is a CursorResult, which has."""
    return cast(CursorResult[Any], result).rowcount


def alembic_config() -> "Config":
    """The migrations' configuration (for `stagematch migrate`, /readyz's schema check and
    the tests); alembic is imported only by those who ask."""
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def dialect_of(session: AsyncSession) -> str:
    """The database's dialect name ("postgresql" or "sqlite") for a session bound to the
    app's engine: statements built once per dialect are kept by it."""
    return session.get_bind().dialect.name

"""Fixtures: one migrated database per test session (SQLite by default, PostgreSQL when
TEST_DATABASE_URL says so), each test inside an outer transaction that is rolled back,
a client per role, a real SMTP server."""

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", f"sqlite:///{ROOT / 'var' / f'test-{os.getpid()}.db'}"
)
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgres")

# Settings are read once, from the environment: set it before the app is imported.
os.environ.update(
    {
        "ENVIRONMENT": "test",
        "DATABASE_URL": TEST_DATABASE_URL,
        "PUBLIC_URL": "http://stagematch.test",
        "MAIL_WORKER_IN_PROCESS": "false",
        "REDIS_URL": "",
        # Every problem an endpoint answers must be declared on it (backend/errors.py).
        "CHECK_DECLARED_ERRORS": "true",
        "SMTP_HOST": "",
        # Lighter argon2 in tests only: the production parameters are tested in test_passwords.py.
        "ARGON2_MEMORY_KIB": "8192",
        "ARGON2_TIME_COST": "1",
        # The suite makes thousands of requests as a few users; the per-caller API limits
        # have tests of their own (test_api_limits.py, with low limits).
        "API_READS_PER_WINDOW": "1000000",
        "API_WRITES_PER_WINDOW": "1000000",
        # The webhook tests' receivers listen on 127.0.0.1 over http.
        "WEBHOOK_ALLOW_PRIVATE": "true",
    }
)

from backend import clock, startup  # noqa: E402
from backend.config import Settings, get_settings  # noqa: E402
from backend.db import create_engine, create_sessionmaker  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.placements.schemas import RequestRead  # noqa: E402
from tests import factories  # noqa: E402


def _recreate_postgres_database(url: str) -> None:
    import asyncpg

    async def recreate() -> None:
        base, _, name = url.rpartition("/")
        conn = await asyncpg.connect(base.replace("postgresql://", "postgres://", 1) + "/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(recreate())


def fresh_database(url: str) -> None:
    """An empty database at `url`."""
    if url.startswith("postgres"):
        _recreate_postgres_database(url)
    else:
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def migrate(url: str, revision: str = "head") -> None:
    from alembic import command

    from backend.db import alembic_config

    config = alembic_config()
    config.attributes["database_url"] = url
    config.attributes["skip_logging"] = True
    command.upgrade(config, revision)


@pytest.fixture(scope="session")
def settings() -> Settings:
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
def migrated_database(settings: Settings) -> Iterator[str]:
    fresh_database(TEST_DATABASE_URL)
    migrate(TEST_DATABASE_URL)
    yield TEST_DATABASE_URL
    if not IS_POSTGRES:
        fresh_database(TEST_DATABASE_URL)


@pytest.fixture(scope="session")
async def engine(settings: Settings, migrated_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessionmaker(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions inside one outer transaction, rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield async_sessionmaker(
            bind=connection,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )
        if transaction.is_active:
            await transaction.rollback()


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Real, separately committed sessions for tests of concurrency; emptied afterwards."""
    from backend.models import Base

    yield create_sessionmaker(engine)
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())


@pytest.fixture
async def db(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture(autouse=True)
def _configured(settings: Settings) -> None:
    """Every test starts with the process configured from the session's settings, as
    create_app does: a test that made an app of other settings leaves nothing behind."""
    startup.configure(settings)


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def app(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]):
    return create_app(settings, sessionmaker=sessionmaker)


# The endpoints that answer a placement request (or, the list, a page of them): every 2xx
# answer a test gets from them is checked against the documented `RequestRead`, so that the
# whole suite tells when the model and the answers part.
REQUEST_ANSWERS = re.compile(
    r"/api/v1/placement-requests"
    r"(/[0-9a-f-]{36}(/invitations(/mine/(withdraw|decline))?|/acceptance(/release)?)?)?"
)


async def check_request_answer(response: httpx.Response) -> None:
    """An httpx response hook: a request endpoint's answer holds to `RequestRead`."""
    request = response.request
    path = request.url.path
    if not (200 <= response.status_code < 300 and REQUEST_ANSWERS.fullmatch(path)):
        return
    if request.method not in ("GET", "POST", "PATCH"):
        return
    await response.aread()
    body = response.json()
    is_list = request.method == "GET" and path == "/api/v1/placement-requests"
    for item in body["items"] if is_list else [body]:
        RequestRead.model_validate(item)


def make_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://stagematch.test",
        event_hooks={"response": [check_request_answer]},
    )


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as client:
        yield client


async def _role_client(app, sessionmaker, kind: str, **kwargs) -> httpx.AsyncClient:
    async with sessionmaker() as session:
        account = await factories.account(session, kind, **kwargs)
        await session.commit()
    client = make_client(app)
    token = await factories.login(client, account.email)
    client.headers["Authorization"] = f"Bearer {token}"
    client.account = account  # type: ignore[attr-defined]
    return client


@pytest.fixture
async def admin_client(app, sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    client = await _role_client(app, sessionmaker, "admin")
    yield client
    await client.aclose()


@pytest.fixture
async def school_client(app, sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    client = await _role_client(app, sessionmaker, "school")
    yield client
    await client.aclose()


@pytest.fixture
async def other_school_client(app, sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    client = await _role_client(app, sessionmaker, "school", postcode="9000")
    yield client
    await client.aclose()


@pytest.fixture
async def service_client(app, sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    client = await _role_client(app, sessionmaker, "service", postcode="8400")
    yield client
    await client.aclose()


# --- a real SMTP server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MailCatcher:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """aiosmtpd on a free port; can be stopped and started again (an outage)."""

    def __init__(self) -> None:
        self.catcher = MailCatcher(free_port())
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.catcher, hostname="127.0.0.1", port=self.catcher.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.catcher.port,
            "mail_backoff_base_seconds": 60,
        }
    )

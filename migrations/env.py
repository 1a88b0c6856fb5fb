"""Alembic environment: async engine from the app's settings; SQLite in batch mode."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from backend import startup
from backend.config import Settings, get_settings
from backend.db import create_engine
from backend.models import Base

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

# Indexes a migration makes on PostgreSQL only, on expressions SQLite lacks, which the models
# do not declare: the search's full-text index (0016; before it the trigram index of 0014)
# and the nearest-first index of points on the sphere (0015, with cube). `alembic check`
# passes with or without them.
OPTIONAL_INDEXES = frozenset(
    {
        "ix_placement_request_search_trgm",
        "ix_placement_request_search",
        "ix_placement_request_position",
    }
)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and reflected and compare_to is None and name in OPTIONAL_INDEXES)


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def _settings() -> Settings:
    """The Settings `stagematch migrate` hands over, or (`alembic` run by hand, the tests)
    the environment's; a test's `database_url` overrides their database."""
    settings = config.attributes.get("settings") or get_settings()
    url = config.attributes.get("database_url")
    if url is not None:
        settings = settings.model_copy(update={"database_url": url})
    # A data migration encrypts (backend.crypto) under these settings' keys.
    startup.configure(settings)
    return settings


async def run_async_migrations() -> None:
    engine = create_engine(_settings())
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())

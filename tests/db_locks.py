"""Another connection holding the database's lock, so that the app's requests wait on it."""

import contextlib
import sqlite3
from collections.abc import AsyncIterator

import asyncpg


@contextlib.asynccontextmanager
async def write_lock(database_url: str, table: str = "organisation") -> AsyncIterator[None]:
    """SQLite: the database's one write lock (the app begins every transaction with
    BEGIN IMMEDIATE, so every request waits). PostgreSQL: `table`, locked against reads too."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    connection = await asyncpg.connect(database_url.replace("postgresql://", "postgres://", 1))
    try:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            await transaction.rollback()
    finally:
        await connection.close()

"""Counting the SQL statements a piece of work sends, for the tests that show a list costs
the same number of statements whatever the number of rows."""

import contextlib

from sqlalchemy import event


@contextlib.contextmanager
def count_statements(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)

"""placement_request: indexes that keep a care service's browse list flat as the data grows

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:00:00

Issue 17: `ix_placement_request_created_at` serves the lists' newest-first order, so that a
page and its bounded total walk an index and stop; on PostgreSQL, where the `pg_trgm`
extension is available (or already installed), `ix_placement_request_search_trgm`, a GIN
trigram index on the text the free-text search `q` matches (`lists.browse.search_text`).

On PostgreSQL both are built with CREATE INDEX CONCURRENTLY, outside a transaction: writes
to placement_request go on while a big table is indexed (the build takes longer, and a
build that fails leaves an INVALID index behind: drop it and migrate again). Where pg_trgm
is not available or may not be created (no privilege), the search index is left out and `q`
is matched by scanning the listed requests, as before; the migration says so in its log.
SQLite gets the plain index only.

The trigram index is built with `fastupdate = off`. Every write that changes a request's state
(an invitation, an acceptance) writes a new row version into every index, this one included.
With GIN's default pending list, those entries pile up in a list that some unlucky write then
merges into the index while it holds the pupil's row and its connection: at 1,000,000 requests
that took long enough, during the deadline rush, for another write to wait more than 20 s for
a connection (a 503). Without the pending list each write adds its own entries (about 30
trigrams, a fraction of a millisecond) and none pays for the others.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Must be exactly the expression `backend.placements.lists.browse.search_text()` renders on
# PostgreSQL, or the planner cannot use the index (tests/test_query_plans.py checks it does).
SEARCH_TEXT = "lower(first_name || ' ' || last_name || ' ' || city || ' ' || postcode)"


def _trigrams_available() -> bool:
    bind = op.get_bind()
    installed = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    if installed.first():
        return True
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    )
    if not available.first():
        log.warning("pg_trgm is not available: no trigram index for the search (issue 17)")
        return False
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        log.warning("pg_trgm may not be created (%s): no trigram index for the search", error)
        return False
    return True


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("placement_request", schema=None) as batch_op:
            batch_op.create_index("ix_placement_request_created_at", ["created_at"])
        return
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_placement_request_created_at "
            "ON placement_request (created_at)"
        )
        if _trigrams_available():
            op.execute(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_placement_request_search_trgm "
                f"ON placement_request USING gin (({SEARCH_TEXT}) gin_trgm_ops) "
                "WITH (fastupdate = off)"
            )
            # Finer statistics of the searched text (ANALYZE keeps them for an indexed
            # expression): with the default 100, a city's share of the rows (1 %) is guessed
            # at several times that, and the planner walks the newest-first index through a
            # hundred thousand rows instead of reading the few thousand matches.
            op.execute(
                "ALTER INDEX ix_placement_request_search_trgm ALTER COLUMN 1 SET STATISTICS 1000"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("placement_request", schema=None) as batch_op:
            batch_op.drop_index("ix_placement_request_created_at")
        return
    # The extension stays: other databases' objects may use it, and it costs nothing unused.
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_placement_request_search_trgm")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_placement_request_created_at")

"""placement_request: the search's indexes, by kind of word

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:00:00

Issue 17: the browse list's `q` matches each kind of word its own way (`lists/search.py`).
A postcode or a whole town name matches that column by equality:
`ix_placement_request_city_created_at` and `ix_placement_request_postcode_created_at` give
those requests newest first, so a page of a town with 10,000 requests reads its first
hundred and stops; `ix_placement_request_postcode` is the leading part of the latter and
goes. On PostgreSQL any other word is a full-text prefix query on
`ix_placement_request_search`, a GIN index of the `simple` configuration (built in: no
extension), `fastupdate = off` for the reason migration 0014 gives; it replaces the trigram
index `ix_placement_request_search_trgm`, whose posting lists of common trigrams ("lee" in
every "Leerling") took 160 ms to intersect for one rare name at 1,000,000 requests. The
pg_trgm extension stays (other objects may use it).

On PostgreSQL the indexes are built and dropped with CREATE / DROP INDEX CONCURRENTLY,
outside a transaction: writes to placement_request go on meanwhile (a build that fails leaves
an INVALID index behind: drop it and migrate again). SQLite builds the plain ones only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = {
    "ix_placement_request_city_created_at": ["city", "created_at"],
    "ix_placement_request_postcode_created_at": ["postcode", "created_at"],
}
OLD = {"ix_placement_request_postcode": ["postcode"]}
# Must be exactly the expression `backend.placements.lists.search.search_vector()` renders
# on PostgreSQL, or the planner cannot use the index (tests/test_query_plans.py checks it).
SEARCH = (
    "ix_placement_request_search",
    "USING gin (to_tsvector('simple'::regconfig, "
    "first_name || ' ' || last_name || ' ' || city || ' ' || postcode)) "
    "WITH (fastupdate = off)",
)
TRIGRAMS = (
    "ix_placement_request_search_trgm",
    "USING gin ((lower(first_name || ' ' || last_name || ' ' || city || ' ' || postcode)) "
    "gin_trgm_ops) WITH (fastupdate = off)",
)


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _create(indexes: dict[str, list[str]]) -> None:
    if not _postgresql():
        with op.batch_alter_table("placement_request", schema=None) as batch_op:
            for name, columns in indexes.items():
                batch_op.create_index(name, columns)
        return
    with op.get_context().autocommit_block():
        for name, columns in indexes.items():
            _create_concurrently(name, f"({', '.join(columns)})")


def _create_concurrently(name: str, definition: str) -> None:
    op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON placement_request {definition}")


def _drop(indexes: dict[str, list[str]] | list[str]) -> None:
    if not _postgresql():
        with op.batch_alter_table("placement_request", schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(name)
        return
    with op.get_context().autocommit_block():
        for name in indexes:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def _trigrams_installed() -> bool:
    found = op.get_bind().execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    return found.first() is not None


def upgrade() -> None:
    _create(NEW)
    if _postgresql():
        with op.get_context().autocommit_block():
            _create_concurrently(*SEARCH)
        _drop([TRIGRAMS[0]])
    _drop(OLD)


def downgrade() -> None:
    _create(OLD)
    if _postgresql():
        # As 0014 left it: the trigram index only where pg_trgm is installed.
        if _trigrams_installed():
            with op.get_context().autocommit_block():
                _create_concurrently(*TRIGRAMS)
                op.execute(f"ALTER INDEX {TRIGRAMS[0]} ALTER COLUMN 1 SET STATISTICS 1000")
        _drop([SEARCH[0]])
    _drop(NEW)

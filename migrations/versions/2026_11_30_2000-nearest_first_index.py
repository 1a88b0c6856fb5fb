"""placement_request: a GiST index that gives the browse list nearest first without sorting

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00

Issue 17: `ix_placement_request_position`, on PostgreSQL where the `cube` extension is
available (or already installed), indexes each request's position as a point on the unit
sphere (`lists.distance.sphere_point`). Ordered by the straight (chord) distance to the
service's point (`<->`), a GiST index is read nearest first (a KNN scan): the list's first
page is read off the index, whatever the number of requests within the radius; the radius
(`max_km`) is a box around the point (`@>`) that the same index serves.

Only `cube`, not `earthdistance`: `ll_to_earth` is an SQL function whose body names
`earth()` and `cube` unqualified, so evaluating it where the search path is empty (autovacuum
analysing the index's expression, pg_restore rebuilding it) fails. The expression here uses
built-in functions and `cube`'s, resolved once when the index is created: one coordinate at a
time (`cube(cube, float8)`), so that a request without coordinates has no point (NULL), where
`cube(float8[])` would fail on an array holding NULLs.

The list's statement names `cube` on PostgreSQL, so the extension is required, not optional:
it ships with PostgreSQL (contrib) and is "trusted" (PostgreSQL 13 on), so the app's user
creates it if it may create objects in the database; otherwise an administrator creates it
once (docs/OPERATIONS.md) and this migration finds it.

Built with CREATE INDEX CONCURRENTLY, outside a transaction (writes go on while a big table is
indexed; a build that fails leaves an INVALID index: drop it and migrate again). SQLite:
nothing (its list sorts by the haversine distance, as before).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expression as `backend.placements.lists.distance.sphere_point()` renders on
# PostgreSQL, or the planner cannot use the index (tests/test_query_plans.py checks it does).
SPHERE_POINT = (
    "cube(cube(cube("
    "cos(radians(latitude)) * cos(radians(longitude))), "
    "cos(radians(latitude)) * sin(radians(longitude))), "
    "sin(radians(latitude)))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS cube")
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_placement_request_position "
            f"ON placement_request USING gist (({SPHERE_POINT}))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: other databases' objects may use it, and it costs nothing unused.
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_placement_request_position")

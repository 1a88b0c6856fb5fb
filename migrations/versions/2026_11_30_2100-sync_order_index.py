"""placement_request: an index in the order of change, for the lists' incremental sync

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 21:00:00

Issue 17: `ix_placement_request_updated_at_id` on `(updated_at, id)`, the order a sync reads
the requests in (`lists.sync`): a page after a cursor starts in the index at the cursor's
position and stops after the page's rows, however many requests the platform holds.

On PostgreSQL it is built (and dropped) with CREATE INDEX CONCURRENTLY, outside a
transaction: writes to placement_request go on while a big table is indexed (a build that
fails leaves an INVALID index behind: drop it and migrate again).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_placement_request_updated_at_id"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("placement_request", schema=None) as batch_op:
            batch_op.create_index(INDEX, ["updated_at", "id"])
        return
    with op.get_context().autocommit_block():
        op.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON placement_request (updated_at, id)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("placement_request", schema=None) as batch_op:
            batch_op.drop_index(INDEX)
        return
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")

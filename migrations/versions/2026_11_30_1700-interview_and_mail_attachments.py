"""invitation: the proposed interview (moment, length, place, the calendar event's sequence);
outbox_mail: attachments (the interview's calendar event)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns (and one with a constant default): on PostgreSQL a catalogue change,
    # no rewrite of the tables.
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("interview_starts_at", backend.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("interview_duration_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("interview_place", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("interview_sequence", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.drop_column("attachments")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("interview_sequence")
        batch_op.drop_column("interview_place")
        batch_op.drop_column("interview_duration_minutes")
        batch_op.drop_column("interview_starts_at")

"""campaign rounds: the campaign's current round, every round's decision deadline as
history (round 1 for every existing campaign), and the round of each placement request

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds such a column without rewriting the table, SQLite
    # with ALTER TABLE ADD COLUMN (no copy).
    op.add_column("campaign", sa.Column("round", sa.Integer(), server_default="1", nullable=False))
    op.add_column(
        "placement_request",
        sa.Column("round", sa.Integer(), server_default="1", nullable=False),
    )
    op.create_table(
        "campaign_round",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("decision_deadline", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_by_user_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_round_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_campaign_round_opened_by_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "number", name=op.f("pk_campaign_round")),
    )
    # Round 1 of every campaign: its decision deadline, opened when the campaign was made.
    op.execute(
        "INSERT INTO campaign_round (campaign_id, number, decision_deadline, opened_at) "
        "SELECT id, 1, decision_deadline, created_at FROM campaign"
    )


def downgrade() -> None:
    op.drop_table("campaign_round")
    with op.batch_alter_table("placement_request", schema=None) as batch_op:
        batch_op.drop_column("round")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("round")

"""retention: campaign's purge date, postponement, notice, purge; site_text: the admin's
versions of the privacy and accessibility statements

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "retention_postponed_until", backend.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("retention_postpone_reason", sa.String(length=500), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "retention_notice_sent_at", backend.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("purged_at", backend.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "site_text",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_user_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_site_text_updated_by_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("name", "language", name=op.f("pk_site_text")),
    )


def downgrade() -> None:
    op.drop_table("site_text")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
        batch_op.drop_column("retention_notice_sent_at")
        batch_op.drop_column("retention_postpone_reason")
        batch_op.drop_column("retention_postponed_until")

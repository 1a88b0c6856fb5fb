"""request_event folds repeated disclosures; outbox_mail names the request it is about

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00

Issue 21: a pupil's history records every disclosure of its personal fields (kind
`disclosed`), repeats of one reader through one channel on one day folded into one event
(`fold_key` unique per request, `times`, `last_at`); and the school's record of a pupil lists
the mails sent about it (`outbox_mail.placement_request_id`, NULL for mails queued before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fold_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("times", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("last_at", backend.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_request_event_request_id_fold_key"), ["request_id", "fold_key"]
        )
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placement_request_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_mail_placement_request_id"), ["placement_request_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_mail_placement_request_id_placement_request"),
            "placement_request",
            ["placement_request_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_outbox_mail_placement_request_id_placement_request", type_="foreignkey"
        )
        batch_op.drop_index("ix_outbox_mail_placement_request_id")
        batch_op.drop_column("placement_request_id")
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_request_event_request_id_fold_key", type_="unique")
        batch_op.drop_column("last_at")
        batch_op.drop_column("times")
        batch_op.drop_column("fold_key")

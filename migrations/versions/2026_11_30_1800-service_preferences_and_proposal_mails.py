"""service_preferences: what fits a care service; proposal_mail_sent: the admin's proposal
mailed once per campaign, service and list of pupils

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Two new tables: no lock on any existing one beyond the foreign keys' brief checks.
    op.create_table(
        "service_preferences",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("hours_min", sa.Integer(), nullable=True),
        sa.Column("hours_max", sa.Integer(), nullable=True),
        sa.Column("start_from", sa.Date(), nullable=True),
        sa.Column("start_until", sa.Date(), nullable=True),
        sa.Column("max_distance_km", sa.Double(), nullable=True),
        sa.Column("transport_modes", sa.JSON(), nullable=False),
        sa.Column("updated_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_service_preferences_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_service_preferences")),
    )
    op.create_table(
        "proposal_mail_sent",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("sent_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_proposal_mail_sent_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["organisation.id"],
            name=op.f("fk_proposal_mail_sent_service_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "service_id", "content_key", name=op.f("pk_proposal_mail_sent")
        ),
    )


def downgrade() -> None:
    op.drop_table("proposal_mail_sent")
    op.drop_table("service_preferences")

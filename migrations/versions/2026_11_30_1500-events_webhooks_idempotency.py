"""integrations: kept events (stream replay, webhooks), webhook endpoints and deliveries,
idempotency keys

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, backend.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "change_event",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        _at("created_at"),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _at("fanned_out_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_event")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("change_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_event_created_at"), ["created_at"])
        batch_op.create_index("ix_change_event_pending", ["fanned_out_at", "id"])

    op.create_table(
        "webhook_endpoint",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("event_kinds", sa.JSON(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        _at("disabled_at", nullable=True),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_webhook_endpoint_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_endpoint_organisation_id"), ["organisation_id"]
        )

    op.create_table(
        "webhook_delivery",
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _at("created_at"),
        _at("next_attempt_at"),
        _at("locked_until", nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("delivered_at", nullable=True),
        _at("failed_at", nullable=True),
        _at("last_attempt_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint(
            "endpoint_id", "event_id", name=op.f("uq_webhook_delivery_endpoint_id_event_id")
        ),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_delivery_endpoint_id"), ["endpoint_id"])
        batch_op.create_index(
            "ix_webhook_delivery_due", ["delivered_at", "failed_at", "next_attempt_at"]
        )

    op.create_table(
        "idempotency_key",
        sa.Column("principal", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        _at("created_at"),
        _at("locked_until", nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("principal", "key", name=op.f("uq_idempotency_key_principal_key")),
    )
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_key_created_at", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_key")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_endpoint")
    op.drop_table("change_event")

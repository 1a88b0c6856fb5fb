import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, IdMixin, TimestampMixin


class WebhookEndpoint(IdMixin, TimestampMixin, Base):
    """Where an organisation wants to hear of changes, and which kinds."""

    __tablename__ = "webhook_endpoint"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_kinds: Mapped[list[str]]
    # The signing secret, Fernet-sealed under DATA_KEY (rotated with it); shown once.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Failed deliveries in a row; WEBHOOK_FAILURES_BEFORE_DISABLE of them switch it off.
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))


class WebhookDelivery(IdMixin, Base):
    """One event for one endpoint: written by the fan-out, sent by the worker (claimed like
    the mail outbox: one worker at a time), retried with backoff, kept as the delivery log."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The fan-out writes an event's delivery to an endpoint once, whoever runs it.
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_delivery_due", "delivered_at", "failed_at", "next_attempt_at"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    kind: Mapped[str] = mapped_column(String(40))
    # The JSON body exactly as it is signed and sent.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    claim_id: Mapped[uuid.UUID | None]
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None]
    # Given up: the attempts ran out, or the endpoint was switched off or removed.
    failed_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_duration_ms: Mapped[int | None]

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, IdMixin


class OutboxMail(IdMixin, Base):
    """A mail written in the transaction of the change that caused it, sent later by the worker."""

    __tablename__ = "outbox_mail"
    __table_args__ = (Index("ix_outbox_mail_due", "sent_at", "next_attempt_at"),)

    to_address: Mapped[str] = mapped_column(String(320))
    # The placement request the mail is about (None: not about one pupil), so that the
    # school's record of a pupil can list the mails sent about it.
    placement_request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("placement_request.id", ondelete="SET NULL"), index=True
    )
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    # The bodies hold a placeholder where a link's single-use token goes (activation, reset);
    # the token rests Fernet-encrypted beside them until the worker sends the mail, and is
    # blanked once the mail is sent or failed: the outbox never holds a usable link.
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    link_token_encrypted: Mapped[str | None] = mapped_column(Text)
    # Files sent with the mail (a calendar event): a list of {"filename", "content_type",
    # "content"} with text content, written with the mail and sent as MIME parts.
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    # A worker claims one mail at a time with a conditional UPDATE that names its attempt
    # (`claim_id`) and holds it until `locked_until`, which it renews while it sends; only
    # the holder records the outcome. A dead worker's claim runs out within the claim time.
    locked_until: Mapped[datetime | None]
    claim_id: Mapped[uuid.UUID | None]
    # Attempts started, a killed worker's included (one `outbox_attempt` row each).
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxAttempt(IdMixin, Base):
    """One try to deliver a mail: who, when, and how it ended (no outcome: the worker died)."""

    __tablename__ = "outbox_attempt"

    mail_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outbox_mail.id", ondelete="CASCADE"), index=True
    )
    worker: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # "sent", "retry" (delayed by the backoff) or "failed" (given up).
    outcome: Mapped[str | None] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text)

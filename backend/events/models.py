"""The events, kept: each change's live event, numbered in commit-independent but increasing
order, so that a reconnecting stream replays what it missed (`Last-Event-ID`) and the
webhooks' fan-out (backend/webhooks/fanout.py) finds every change, none lost: the row is
written in the transaction of the change itself."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class ChangeEvent(Base):
    """One event as the stream sends it: to `channels` (organisation ids, `services`,
    `admins`), `payload` being its data (kind, request id, no personal data)."""

    __tablename__ = "change_event"
    __table_args__ = (
        Index("ix_change_event_pending", "fanned_out_at", "id"),
        # SQLite's AUTOINCREMENT: an id is never given twice, even after the newest was purged.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    created_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    channels: Mapped[list[str]]
    payload: Mapped[dict[str, Any]]
    # When the webhooks' fan-out took it (its deliveries written); None: still to do.
    fanned_out_at: Mapped[datetime | None]

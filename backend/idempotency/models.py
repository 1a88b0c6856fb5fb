from datetime import datetime
from typing import Any

from sqlalchemy import Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, IdMixin


class IdempotencyKey(IdMixin, Base):
    """A POST's `Idempotency-Key`, per caller: what the first request was (method, path and
    a hash of its query and body) and, once answered, its answer to replay."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("principal", "key"),
        Index("ix_idempotency_key_created_at", "created_at"),
    )

    # Whose key: "token:<API token id>" or "user:<user id>"; never shared between them.
    principal: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # While the first request runs: until when it holds the key (a crashed one lets go).
    locked_until: Mapped[datetime | None]
    status_code: Mapped[int | None]
    response_headers: Mapped[dict[str, Any] | None]
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)

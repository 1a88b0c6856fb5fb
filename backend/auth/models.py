import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, IdMixin, TimestampMixin
from backend.organisations.models import Organisation


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # Bumped when the password changes: every access token carrying an older value dies.
    token_version: Mapped[int] = mapped_column(default=0)
    activated_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # The second factor (backend/auth/totp.py): the TOTP secret, Fernet-sealed under DATA_KEY;
    # it counts only once confirmed with a code (`mfa_enabled_at`). The last time step that
    # signed in, so that a code cannot be used twice (replay).
    mfa_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    mfa_enabled_at: Mapped[datetime | None]
    mfa_last_step: Mapped[int | None]

    organisation: Mapped[Organisation] = relationship(lazy="raise")

    @property
    def is_activated(self) -> bool:
        return self.activated_at is not None

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None


class ActionPurpose(enum.StrEnum):
    activation = "activation"
    password_reset = "password_reset"


class ActionToken(IdMixin, Base):
    """A single-use link token (activation, password reset); only its hash is stored."""

    __tablename__ = "action_token"
    __table_args__ = (Index("ix_action_token_user_purpose", "user_id", "purpose"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[ActionPurpose] = mapped_column(
        Enum(ActionPurpose, native_enum=False, length=20, validate_strings=True)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]


class RefreshToken(IdMixin, Base):
    """A rotating refresh token; a reused one revokes its whole family (theft detection)."""

    __tablename__ = "refresh_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_version: Mapped[int]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ApiToken(IdMixin, Base):
    """An organisation's token for scripts: shown once, stored as a keyed hash."""

    __tablename__ = "api_token"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A short visible prefix so people can tell their tokens apart in the list.
    prefix: Mapped[str] = mapped_column(String(12))
    is_read_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

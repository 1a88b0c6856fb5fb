import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, IdMixin, TimestampMixin


class Track(enum.StrEnum):
    duaal = "duaal"  # dual learning workplace (the manual's main case)
    stage = "stage"  # 7th-year internship


class Campaign(IdMixin, TimestampMixin, Base):
    """One school year of one track, with its three moments (stored UTC)."""

    __tablename__ = "campaign"
    __table_args__ = (UniqueConstraint("school_year", "track"),)

    school_year: Mapped[str] = mapped_column(String(9))  # "2026-2027"
    track: Mapped[Track] = mapped_column(
        Enum(Track, native_enum=False, length=8, validate_strings=True)
    )
    opens_at: Mapped[datetime]
    request_deadline: Mapped[datetime]
    # The CURRENT round's decision deadline (every round's is kept in `campaign_round`).
    decision_deadline: Mapped[datetime]
    # The current round: 1, then 2, 3... as the admin opens a round for the pupils without a
    # place after the decision deadline (placements/rounds.py).
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    # Retention (admin/retention.py): the pupils' personal data are erased RETENTION_MONTHS
    # after the decision deadline, or at the date the admin postponed it to (once, with a
    # reason); the admins are mailed 30 days before; `purged_at` when it is done.
    retention_postponed_until: Mapped[datetime | None]
    retention_postpone_reason: Mapped[str | None] = mapped_column(String(500))
    retention_notice_sent_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]


class ReminderSent(Base):
    """A deadline reminder mailed to an organisation: the primary key makes it once only."""

    __tablename__ = "reminder_sent"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    deadline: Mapped[str] = mapped_column(String(20), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime]


class CampaignRound(Base):
    """One round of a campaign, kept as history: its decision deadline (the campaign's
    `decision_deadline` is the current round's), when it opened and by whom (round 1: the
    campaign's creation). The primary key makes each round number once only."""

    __tablename__ = "campaign_round"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    decision_deadline: Mapped[datetime]
    opened_at: Mapped[datetime]
    opened_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

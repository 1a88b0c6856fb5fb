import enum
from datetime import datetime

from sqlalchemy import Enum, String, UniqueConstraint
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
    decision_deadline: Mapped[datetime]

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, IdMixin, TimestampMixin


class OrganisationKind(enum.StrEnum):
    admin = "admin"
    school = "school"
    service = "service"


class Organisation(IdMixin, TimestampMixin, Base):
    __tablename__ = "organisation"

    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, native_enum=False, length=16, validate_strings=True), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    postcode: Mapped[str | None] = mapped_column(String(4))
    city: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # A service's provinces served (ISO 3166-2 codes); empty for schools.
    provinces: Mapped[list[str]] = mapped_column(default=list)
    disabled_at: Mapped[datetime | None]

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None


class ServiceCapacity(Base):
    """How many pupils a service can take in a campaign; `used` moves only through
    conditional UPDATEs, so two simultaneous acceptances cannot both take the last place."""

    __tablename__ = "service_capacity"
    __table_args__ = (CheckConstraint("used >= 0 AND used <= capacity", name="within_capacity"),)

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    capacity: Mapped[int]
    used: Mapped[int] = mapped_column(default=0)


class ServicePreferences(Base):
    """What fits a care service (its profile): the days it can take pupils, the hours per
    week, the start period, how far a pupil may live and how a pupil may come. Every part is
    optional; the fit score (placements/fit.py) weighs only the parts that are stated."""

    __tablename__ = "service_preferences"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[list[str]] = mapped_column(default=list)
    hours_min: Mapped[int | None]
    hours_max: Mapped[int | None]
    start_from: Mapped[date | None]
    start_until: Mapped[date | None]
    max_distance_km: Mapped[float | None]
    # The pupils' modes of transport that work for the service (empty: any).
    transport_modes: Mapped[list[str]] = mapped_column(default=list)
    updated_at: Mapped[datetime]


class ProposalMailSent(Base):
    """A proposal mailed to a service: once per campaign, service and list of pupils (the
    key), so that sending again the same proposal mails nobody twice."""

    __tablename__ = "proposal_mail_sent"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    content_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[datetime]

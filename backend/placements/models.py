import enum
import uuid
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.campaigns.models import Campaign
from backend.db import Base, IdMixin, TimestampMixin
from backend.organisations.models import Organisation
from backend.supervisors.models import Supervisor


class RequestState(enum.StrEnum):
    """The stored state; `not_placed` is derived at read time once the decision deadline
    has passed (SPEC section 4), so no job has to flip rows at the deadline."""

    open = "open"
    invited = "invited"
    accepted = "accepted"
    withdrawn = "withdrawn"  # withdrawn by the school (soft delete: services see it)


class RequestStatus(enum.StrEnum):
    """What a request shows (SPEC section 4): the stored state, except that a request not
    accepted when the decision deadline passes is `not_placed`. Computed in SQL, in one place
    (`reading.access.status_column`), never re-derived in Python."""

    open = "open"
    invited = "invited"
    accepted = "accepted"
    not_placed = "not_placed"
    withdrawn = "withdrawn"


class InvitationOutcome(enum.StrEnum):
    pending = "pending"
    withdrawn = "withdrawn"  # the service withdrew its invitation
    declined = "declined"  # the service interviewed and does not take the pupil
    placed_elsewhere = "placed_elsewhere"  # another service accepted
    request_withdrawn = "request_withdrawn"  # the school withdrew the request
    accepted = "accepted"  # this service accepted
    round_ended = "round_ended"  # still pending when the admin opened the next round


class PlacementRequest(IdMixin, TimestampMixin, Base):
    __tablename__ = "placement_request"
    __table_args__ = (
        # One pupil once per school and campaign (the keyed hash of the national number). Not
        # once per campaign: another school's pupil must never be refused or signalled to a
        # school (SPEC section 4); the admin resolves such pairs (admin/conflicts.py), and
        # this index, (campaign, hash) first, serves that lookup too.
        UniqueConstraint("campaign_id", "national_number_hash", "school_id"),
        Index("ix_placement_request_school_campaign", "school_id", "campaign_id"),
        Index("ix_placement_request_campaign_state", "campaign_id", "state"),
        # The lists' default order (newest first): a page, and the bounded total, walk this
        # index and stop, however many requests the platform holds (docs/PERFORMANCE.md,
        # "Scale"). PostgreSQL also has a full-text index on `lists.search.search_vector`,
        # an expression SQLite lacks, made by migration 0016 (migrations/env.py skips it).
        Index("ix_placement_request_created_at", "created_at"),
        # A search for a town or a postcode (`lists.browse.word_kind`): its requests newest
        # first, read in this order and stopped after a page, however many the town has.
        Index("ix_placement_request_city_created_at", "city", "created_at"),
        Index("ix_placement_request_postcode_created_at", "postcode", "created_at"),
        # A sync's order (lists/sync.py): a page after its cursor starts there and stops.
        Index("ix_placement_request_updated_at_id", "updated_at", "id"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaign.id"))
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    supervisor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervisor.id"), index=True)

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Fernet token (MultiFernet with DATA_KEY); never stored or logged in clear.
    national_number_encrypted: Mapped[str] = mapped_column(Text)
    national_number_hash: Mapped[str] = mapped_column(String(64))
    street: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(4))
    city: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(6), index=True)
    # From the postcode, kept on the row so the distance filter runs in SQL.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(320))
    transport_modes: Mapped[list[str]]
    remarks: Mapped[str | None] = mapped_column(String(2000))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    hours_per_week: Mapped[int]
    days: Mapped[list[str]]
    form: Mapped[str | None] = mapped_column(String(12))

    state: Mapped[RequestState] = mapped_column(
        Enum(RequestState, native_enum=False, length=12, validate_strings=True),
        default=RequestState.open,
    )
    accepted_service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    withdrawn_at: Mapped[datetime | None]
    # The campaign's round the request is in: 1, or the round that opened it again for
    # every service after it ended without a place (placements/rounds.py).
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    # Optimistic concurrency: `If-Match` on PATCH must carry the current version.
    version: Mapped[int] = mapped_column(default=1)

    campaign: Mapped[Campaign] = relationship(lazy="raise")
    school: Mapped[Organisation] = relationship(foreign_keys=[school_id], lazy="raise")
    supervisor: Mapped[Supervisor] = relationship(lazy="raise")
    accepted_service: Mapped[Organisation | None] = relationship(
        foreign_keys=[accepted_service_id], lazy="raise"
    )
    invitations: Mapped[list["Invitation"]] = relationship(
        back_populates="request", lazy="raise", order_by="Invitation.invited_at"
    )
    acceptances: Mapped[list["Acceptance"]] = relationship(
        back_populates="request", lazy="raise", order_by="Acceptance.accepted_at"
    )


class Invitation(IdMixin, Base):
    """A service's invitation of a pupil for an interview; one row per (request, service)."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("request_id", "service_id"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placement_request.id", ondelete="CASCADE")
    )
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    invited_at: Mapped[datetime]
    outcome: Mapped[InvitationOutcome] = mapped_column(
        Enum(InvitationOutcome, native_enum=False, length=20, validate_strings=True),
        default=InvitationOutcome.pending,
    )
    ended_at: Mapped[datetime | None]
    # The interview the service proposes (none: not set). The school's calendar event of it
    # has the invitation's id as its UID; `interview_sequence` is the event's SEQUENCE, raised
    # by every change and cancellation and never lowered, so each update outranks the last.
    interview_starts_at: Mapped[datetime | None]
    interview_duration_minutes: Mapped[int | None]
    interview_place: Mapped[str | None] = mapped_column(String(200))
    interview_sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    request: Mapped[PlacementRequest] = relationship(back_populates="invitations", lazy="raise")
    service: Mapped[Organisation] = relationship(lazy="raise")


class Acceptance(IdMixin, Base):
    """A service's acceptance; inserted only by the winner of the conditional UPDATE on
    placement_request. A released acceptance stays as history (released_at set)."""

    __tablename__ = "acceptance"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placement_request.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    accepted_at: Mapped[datetime]
    notes: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str] = mapped_column(String(320))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)

    request: Mapped[PlacementRequest] = relationship(back_populates="acceptances", lazy="raise")
    service: Mapped[Organisation] = relationship(lazy="raise")


# The kinds of a request's history events (`history.add_event`).
EventKind = Literal[
    "created",
    "updated",
    "invited",
    "invitation_withdrawn",
    "declined",
    "accepted",
    "released",
    "withdrawn",
    "disclosed",
    "round_opened",
    "interview_set",
    "interview_cancelled",
]


class RequestEvent(IdMixin, Base):
    """One line of a request's history: who did what, when."""

    __tablename__ = "request_event"
    __table_args__ = (
        # Repeated disclosures (same reader, channel, fields, reason, Brussels day) fold into
        # one event: the upsert of `reading.disclosure.record_disclosure` conflicts on this.
        UniqueConstraint("request_id", "fold_key"),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("placement_request.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    actor_organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Only for events that fold repeats (`disclosed`): the key of the fold (a digest, no
    # personal value), how many times it happened and when last; NULL key for every other.
    fold_key: Mapped[str | None] = mapped_column(String(64))
    times: Mapped[int] = mapped_column(default=1, server_default="1")
    last_at: Mapped[datetime | None]


class KeyCheck(TimestampMixin, Base):
    """One row: which keys the stored national numbers are under, so that a wrong or missing
    key is told by /readyz rather than by every list (backend.keys)."""

    __tablename__ = "key_check"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # CHECK_PLAINTEXT encrypted with the oldest key any stored number may still be under;
    # moved to the newest key only when `rotate-keys` finished a full pass.
    data_key_token: Mapped[str] = mapped_column(Text)
    # The fingerprint of the key the stored hashes are under (None: unknown, reindex);
    # set to BLIND_INDEX_KEY's only when `reindex` finished a full pass.
    blind_index_fingerprint: Mapped[str | None] = mapped_column(String(64))

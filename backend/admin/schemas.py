import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints, computed_field

from backend.campaigns.phase import Phase
from backend.placements.models import EventKind, InvitationOutcome, RequestStatus
from backend.placements.schemas import (
    FitReason,
    HistoryDetails,
    RequestOrganisation,
    StatusCounts,
)
from backend.schemas import MultiLine, ReadModel, SingleLine, StrictModel

# What an audit line records besides its object (backend/audit/service.py: `record(**details)`):
# texts, numbers, flags, lists of texts, and `changes` by field, a new value or a move
# `{from, to}` (a campaign's deadlines). Typed so that a generated client reads it.
AuditScalar = str | int | float | bool | None


class AuditChange(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(alias="from")
    to: str | None


class AuditChanges(RootModel[dict[str, AuditScalar | list[str] | AuditChange]]):
    """Changes by field: the new value, or `{from, to}`."""


AuditValue = AuditScalar | list[str] | AuditChanges


class StillOpen(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    school: str
    province: str
    status: RequestStatus


class DayCount(BaseModel):
    date: date
    count: int


class Dashboard(BaseModel):
    campaign_id: uuid.UUID
    school_year: str
    track: Literal["duaal", "stage"]
    phase: Phase
    request_deadline: datetime
    decision_deadline: datetime
    total: int
    by_status: StatusCounts
    by_province: dict[str, StatusCounts] = Field(
        description="Per province (ISO code), the count per status"
    )
    placement_rate: float = Field(description="Accepted / all requests, 0..1")
    acceptances_per_day: list[DayCount] = Field(
        description="The acceptances that hold, per Europe/Brussels day"
    )
    deadline_within_week: bool
    still_open: list[StillOpen] = Field(description="Requests not accepted yet (at most 500)")


class PupilData(BaseModel):
    first_name: str
    last_name: str
    street: str
    postcode: str
    city: str
    province: str
    phone: str
    email: str
    transport_modes: list[str]
    remarks: str | None
    start_date: date | None
    end_date: date | None
    hours_per_week: int
    days: list[str]
    form: str | None
    created_at: datetime
    updated_at: datetime
    national_number: str | None = Field(description="None once the retention purge ran")


class PersonName(BaseModel):
    first_name: str
    last_name: str


class InvitationData(BaseModel):
    service: str
    invited_at: datetime
    outcome: InvitationOutcome


class AcceptanceData(BaseModel):
    service: str
    accepted_at: datetime
    notes: str
    released_at: datetime | None


class EventData(BaseModel):
    at: datetime
    kind: EventKind
    details: HistoryDetails = Field(description="As the request's history shows them")


class PersonalData(BaseModel):
    """Everything stored about one pupil (a data-subject access request)."""

    pupil: PupilData
    school: str
    campaign: str = Field(description="School year and track")
    supervisor: PersonName
    invitations: list[InvitationData]
    acceptances: list[AcceptanceData]
    history: list[EventData]


class RevealIn(StrictModel):
    reason: MultiLine = Field(min_length=5, max_length=500)


class WithdrawalIn(StrictModel):
    reason: MultiLine = Field(
        min_length=5,
        max_length=500,
        description="Why the admin withdraws the request (history and audit log; not mailed)",
    )


class SchoolRef(BaseModel):
    id: uuid.UUID
    name: str


class ConflictSide(BaseModel):
    """One of the two requests: enough to tell the pupils apart, no contact data."""

    id: uuid.UUID
    school: SchoolRef
    first_name: str
    last_name: str
    status: RequestStatus
    created_at: datetime
    actions: list[Literal["withdraw"]] = Field(
        description='["withdraw"] while the admin may withdraw it'
    )


class Conflict(BaseModel):
    """Two requests of different schools with the same national number in one campaign."""

    first: ConflictSide = Field(description="The request entered first")
    second: ConflictSide


# Why the admin needs a pupil's national number, phone or e-mail (as for the reveal); the
# audit log keeps it.
RevealReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=5, max_length=500),
    *MultiLine.__metadata__,
]


class AuditRead(ReadModel):
    id: uuid.UUID
    at: datetime
    action: str
    actor_user_id: uuid.UUID | None
    actor_organisation_id: uuid.UUID | None
    object_type: str | None
    object_id: str | None
    client_address: str | None
    details: dict[str, AuditValue] = Field(
        description="What the action recorded besides its object (a reason, a count...)"
    )


class OutboxRead(ReadModel):
    id: uuid.UUID
    to_address: str
    template: str
    language: Literal["nl", "en"]
    subject: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    last_error: str | None

    # mypy refuses any decorator above @property; pydantic documents this ignore for it.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Literal["waiting", "retrying", "sent", "failed"]:
        """Retrying: an attempt failed and the next waits for the backoff (`last_error`)."""
        if self.sent_at is not None:
            return "sent"
        if self.failed_at is not None:
            return "failed"
        return "retrying" if self.last_error else "waiting"


class OutboxDetail(OutboxRead):
    """One mail as it was written, without the token of its link (`[link verborgen]`)."""

    body_text: str
    body_html: str


class AuditFilter(BaseModel):
    action: SingleLine | None = None
    actor_organisation_id: uuid.UUID | None = None
    object_id: SingleLine | None = None
    since: date | None = None
    until: date | None = None


class RetentionRead(BaseModel):
    """When a campaign's personal data are erased, and what the admin did about it."""

    campaign_id: uuid.UUID
    school_year: str
    track: Literal["duaal", "stage"]
    purge_at: datetime = Field(description="When the worker erases the personal data")
    notice_at: datetime = Field(description="When the admins are mailed (30 days before)")
    notice_sent_at: datetime | None
    postponed_until: datetime | None
    postpone_reason: str | None
    purged_at: datetime | None
    can_postpone: bool = Field(description="Not erased yet and not postponed before")


class PostponeIn(StrictModel):
    until: datetime = Field(description="The new date of the erasure, later than the current one")
    reason: MultiLine = Field(
        min_length=5, max_length=500, description="Why the data must be kept longer (audited)"
    )


class ProposalPupil(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    postcode: str
    city: str
    school: RequestOrganisation


class ProposalItem(BaseModel):
    request: ProposalPupil
    service: RequestOrganisation | None = Field(description="Null: no service can take the pupil")
    score: int | None = Field(description="The pair's fit, 0–100 (placements/fit.py)")
    distance_km: float | None
    reasons: list[FitReason] = Field(description="Why the pair fits, strongest first")


class ProposalService(BaseModel):
    id: uuid.UUID
    name: str
    places_left: int | None = Field(description="Null: the service set no capacity")
    proposed: int


class ProposalRead(BaseModel):
    """For each unplaced pupil (not accepted, not withdrawn) the service that fits best while
    no service gets more pupils than its places left, maximising the total fit."""

    campaign_id: uuid.UUID
    school_year: str
    track: Literal["duaal", "stage"]
    total_fit: int
    proposed: int
    without_proposal: int
    items: list[ProposalItem] = Field(description="By the pupil's name")
    services: list[ProposalService] = Field(
        description="The services with a place left or a pupil proposed"
    )


class ProposalMails(BaseModel):
    mailed_services: int = Field(description="Services mailed their pupils now")
    already_mailed: int = Field(
        description="Services not mailed again: they had this same list of pupils already"
    )

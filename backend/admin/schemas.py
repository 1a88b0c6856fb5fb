import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, computed_field

from backend.schemas import MultiLine, ReadModel, SingleLine, StrictModel


class StillOpen(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    school: str
    province: str
    status: str


class Dashboard(BaseModel):
    campaign_id: uuid.UUID
    school_year: str
    track: str
    phase: str
    request_deadline: datetime
    decision_deadline: datetime
    total: int
    by_status: dict[str, int]
    by_province: dict[str, dict[str, int]] = Field(
        description="Per province (ISO code), the count per status"
    )
    placement_rate: float = Field(description="Accepted / all requests, 0..1")
    acceptances_per_day: list[dict[str, Any]] = Field(
        description="[{date, count}] in Europe/Brussels days"
    )
    deadline_within_week: bool
    still_open: list[StillOpen] = Field(description="Requests not accepted yet (at most 500)")


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
    status: str
    created_at: datetime
    actions: list[str] = Field(description='["withdraw"] while the admin may withdraw it')


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
    details: dict[str, Any]


class OutboxRead(ReadModel):
    id: uuid.UUID
    to_address: str
    template: str
    language: str
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
    track: str
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

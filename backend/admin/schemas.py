import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

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


class OutboxDetail(OutboxRead):
    body_text: str


class AuditFilter(BaseModel):
    action: SingleLine | None = None
    actor_organisation_id: uuid.UUID | None = None
    object_id: SingleLine | None = None
    since: date | None = None
    until: date | None = None

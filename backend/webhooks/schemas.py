import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from backend.placements.live import ChangeKind
from backend.schemas import ReadModel, SingleLine, StrictModel

# The kinds of events (docs/integrations.md, "Event kinds").
EventKind = ChangeKind
URL_EXAMPLE = "https://sis.example.be/hooks/stagematch"


class WebhookCreate(StrictModel):
    url: SingleLine = Field(max_length=2000, examples=[URL_EXAMPLE], description="https only")
    event_kinds: list[EventKind] = Field(min_length=1, examples=[["accepted", "declined"]])
    description: SingleLine = Field("", max_length=200)


class WebhookUpdate(StrictModel):
    url: SingleLine | None = Field(None, max_length=2000, examples=[URL_EXAMPLE])
    event_kinds: list[EventKind] | None = Field(None, min_length=1)
    description: SingleLine | None = Field(None, max_length=200)
    is_enabled: bool | None = Field(
        None, description="true switches on again an endpoint switched off after failures"
    )


class WebhookRead(ReadModel):
    id: uuid.UUID
    url: str
    event_kinds: list[EventKind]
    description: str
    is_enabled: bool
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime


class WebhookSecret(WebhookRead):
    secret: str = Field(
        description="The signing secret (`whsec_...`), shown only in this answer; store it safely"
    )


class DeliveryRead(ReadModel):
    id: uuid.UUID
    event_id: int
    kind: EventKind
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None

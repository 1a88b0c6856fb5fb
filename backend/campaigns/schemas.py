"""Campaign shapes. Moments are given as ISO datetimes with an offset, naive datetimes
(read as Europe/Brussels wall time) or plain dates with a meaning per field (Brussels):
`opens_at` 00:00:00, `request_deadline` 23:59:59 (end of day, as the manual's "15 november"),
`decision_deadline` 12:00:00 (the manual's "30 november – 12u")."""

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from backend.placements.transitions import Action
from backend.schemas import ReadModel, StrictModel

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _moment(value: object) -> date | datetime:
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("moment_type", "Give an ISO date or date-time")
    text = value.strip()
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError(
            "moment_parsing", "Not an ISO date (YYYY-MM-DD) or date-time"
        ) from None


Moment = Annotated[
    date | datetime,
    PlainValidator(_moment),
    WithJsonSchema(
        {
            "type": "string",
            "description": "ISO date-time (with offset, or Brussels wall time) or ISO date",
            "examples": ["2026-11-15", "2026-11-30T12:00:00+01:00"],
        }
    ),
]

SchoolYear = Annotated[
    str,
    Field(pattern=r"^\d{4}-\d{4}$", description="Two consecutive years", examples=["2026-2027"]),
]


class CampaignCreate(StrictModel):
    school_year: SchoolYear
    track: Literal["duaal", "stage"]
    opens_at: Moment
    request_deadline: Moment
    decision_deadline: Moment


class CampaignUpdate(StrictModel):
    """The admin moves deadlines; the year and track of a campaign do not change."""

    opens_at: Moment | None = None
    request_deadline: Moment | None = None
    decision_deadline: Moment | None = None


class RoundCreate(StrictModel):
    """A next round for the pupils not placed, with its own decision deadline (a plain date:
    12:00 Brussels, as the campaign's)."""

    decision_deadline: Moment


class RoundRead(ReadModel):
    number: int = Field(ge=1)
    decision_deadline: datetime
    opened_at: datetime


class CampaignActions(ReadModel):
    """What each role may still do in the campaign's present phase (placements' transition
    table): a school `create` (a new request, an import), `edit`, `withdraw_request`; a
    service `invite`, `withdraw_invitation`, `decline`, `accept`, `release`; the admin
    `withdraw_request`, and after the decision deadline `open_round` (a next round for the
    pupils not placed). Whether a given request allows one is that request's `actions`."""

    school: list[Action]
    service: list[Action]
    admin: list[Action]


class CampaignRead(ReadModel):
    id: uuid.UUID
    school_year: str
    track: Literal["duaal", "stage"]
    opens_at: datetime
    request_deadline: datetime
    decision_deadline: datetime = Field(description="The current round's decision deadline")
    round: int = Field(ge=1, description="The current round: 1, then 2... (`POST .../rounds`)")
    rounds: list[RoundRead] = Field(description="Every round so far, the first first")
    phase: Literal["before_open", "requests_open", "decisions_open", "closed"]
    next_deadline: datetime | None = Field(
        description="The moment the phase changes next (null once closed)"
    )
    actions: CampaignActions
    created_at: datetime
    updated_at: datetime

"""Shapes of a school's placement request. Pydantic checks the raw shape (types, lengths,
enumerations); the domain rules (national number, postcode, supervisor, dates, form) are in
validation.py, so each stage reports all of its field errors at once."""

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from backend.organisations.schemas import Province
from backend.schemas import MultiLine, SingleLine, StrictModel

Track = Literal["duaal", "stage"]
TransportMode = Literal["car", "e_bike_moped", "bike", "public_transport"]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Form = Literal["block", "alternating"]

TRANSPORT_MODES: tuple[str, ...] = TransportMode.__args__
DAYS: tuple[str, ...] = Day.__args__


class RequestCreate(StrictModel):
    track: Track = Field(description="The request joins the open campaign of this track")
    first_name: SingleLine = Field(min_length=1, max_length=100)
    last_name: SingleLine = Field(min_length=1, max_length=100)
    national_number: SingleLine = Field(
        min_length=1,
        max_length=40,
        description="11 digits YYMMDDSSSCC; dots, dashes and spaces are stripped",
    )
    street: SingleLine = Field(min_length=1, max_length=200)
    postcode: str = Field(pattern=r"^\d{4}$")
    city: SingleLine = Field(min_length=1, max_length=100)
    province: Province | None = Field(None, description="Derived from the postcode when absent")
    phone: SingleLine = Field(min_length=1, max_length=40, description="Stored as E.164")
    email: SingleLine = Field(min_length=1, max_length=320)
    transport_modes: list[TransportMode] = Field(min_length=1)
    remarks: MultiLine | None = Field(None, max_length=2000)
    supervisor_id: uuid.UUID
    start_date: date | None = None
    end_date: date | None = None
    hours_per_week: int = Field(ge=1, le=40)
    days: list[Day] = Field(min_length=1)
    form: Form | None = Field(None, description="Required for duaal, absent for stage")


class RequestUpdate(StrictModel):
    """Only the fields given change; the track (the campaign) does not."""

    first_name: SingleLine | None = Field(None, min_length=1, max_length=100)
    last_name: SingleLine | None = Field(None, min_length=1, max_length=100)
    national_number: SingleLine | None = Field(None, min_length=1, max_length=40)
    street: SingleLine | None = Field(None, min_length=1, max_length=200)
    postcode: str | None = Field(None, pattern=r"^\d{4}$")
    city: SingleLine | None = Field(None, min_length=1, max_length=100)
    province: Province | None = None
    phone: SingleLine | None = Field(None, min_length=1, max_length=40)
    email: SingleLine | None = Field(None, min_length=1, max_length=320)
    transport_modes: list[TransportMode] | None = Field(None, min_length=1)
    remarks: MultiLine | None = Field(None, max_length=2000)
    supervisor_id: uuid.UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    hours_per_week: int | None = Field(None, ge=1, le=40)
    days: list[Day] | None = Field(None, min_length=1)
    form: Form | None = None


class RevealBody(StrictModel):
    reason: MultiLine = Field(min_length=5, max_length=500, description="Why the data are needed")

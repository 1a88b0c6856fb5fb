import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from backend.schemas import ReadModel, SingleLine, StrictModel

Province = Literal[
    "BE-BRU",
    "BE-VAN",
    "BE-VLI",
    "BE-VOV",
    "BE-VBR",
    "BE-VWV",
    "BE-WBR",
    "BE-WHT",
    "BE-WLG",
    "BE-WLX",
    "BE-WNA",
]


class OrganisationCreate(StrictModel):
    kind: Literal["school", "service"]
    name: SingleLine = Field(min_length=1, max_length=200)
    email: EmailStr
    postcode: str = Field(pattern=r"^\d{4}$")
    city: SingleLine | None = Field(None, max_length=100)
    phone: SingleLine | None = Field(None, max_length=40)
    language: Literal["nl", "en"] = "nl"
    provinces: list[Province] = Field(
        default_factory=list, description="A service's provinces served"
    )


class OrganisationUpdate(StrictModel):
    name: SingleLine | None = Field(None, min_length=1, max_length=200)
    postcode: str | None = Field(None, pattern=r"^\d{4}$")
    city: SingleLine | None = Field(None, max_length=100)
    phone: SingleLine | None = Field(None, max_length=40)
    language: Literal["nl", "en"] | None = None
    provinces: list[Province] | None = None
    is_disabled: bool | None = None


class OrganisationRead(ReadModel):
    id: uuid.UUID
    kind: Literal["admin", "school", "service"]
    name: str
    email: str
    postcode: str | None
    city: str | None
    phone: str | None
    language: Literal["nl", "en"]
    provinces: list[str]
    is_disabled: bool
    account_status: Literal["invited", "active", "disabled"]
    created_at: datetime


class CapacityIn(StrictModel):
    capacity: int = Field(ge=0, le=1000, description="Pupils the service can take")


class LastContact(BaseModel):
    """The contact person of the service's latest acceptance; all null before its first."""

    name: str | None
    phone: str | None
    email: str | None


class CapacityRead(ReadModel):
    campaign_id: uuid.UUID
    capacity: int
    used: int
    remaining: int


# The words of a request's days and modes of transport (placements.schemas names them too).
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Transport = Literal["car", "e_bike_moped", "bike", "public_transport"]


class PreferencesIn(StrictModel):
    """What fits a care service; leave out (or empty) what does not matter to it."""

    days: list[Weekday] = Field(
        default_factory=list, max_length=7, description="Days it can take pupils"
    )
    hours_per_week_min: int | None = Field(None, ge=1, le=60)
    hours_per_week_max: int | None = Field(None, ge=1, le=60)
    start_from: date | None = Field(None, description="The start period's first day")
    start_until: date | None = Field(None, description="The start period's last day")
    max_distance_km: float | None = Field(
        None, gt=0, le=300, description="How far from the service a pupil may live"
    )
    transport_modes: list[Transport] = Field(
        default_factory=list,
        max_length=4,
        description="How a pupil may come (e.g. only public transport and bike where a car "
        "cannot park); empty: any way",
    )


class PreferencesRead(BaseModel):
    days: list[Weekday]
    hours_per_week_min: int | None
    hours_per_week_max: int | None
    start_from: date | None
    start_until: date | None
    max_distance_km: float | None
    transport_modes: list[Transport]
    updated_at: datetime | None = Field(description="Null while the service stated nothing")

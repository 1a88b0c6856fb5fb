import uuid
from datetime import datetime
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

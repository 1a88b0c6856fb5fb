"""The bodies of the care services' transitions."""

from typing import Any

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from backend.reference.contact import normalize_contact
from backend.schemas import MultiLine, SingleLine, StrictModel


class ContactPerson(StrictModel):
    name: SingleLine = Field(min_length=1, max_length=200)
    phone: SingleLine = Field(min_length=1, max_length=40)
    email: SingleLine = Field(min_length=1, max_length=320)

    @field_validator("phone", "email")
    @classmethod
    def _contact(cls, value: str, info: ValidationInfo) -> str:
        name = str(info.field_name)
        values: dict[str, Any] = {name: value}
        for error in normalize_contact(values):
            what = "phone number" if name == "phone" else "e-mail address"
            raise PydanticCustomError(
                error["code"], f"Not a valid {what}: {{why}}", {"why": error["message"]}
            )
        return str(values[name])


class AcceptanceCreate(StrictModel):
    notes: MultiLine = Field(min_length=1, max_length=2000)
    contact_person: ContactPerson


class DeclineBody(StrictModel):
    reason: MultiLine | None = Field(None, max_length=2000)


class ReleaseBody(StrictModel):
    reason: MultiLine = Field(min_length=1, max_length=2000)


class InterviewBody(StrictModel):
    """A proposed interview: when (with its time zone offset; a time without one is refused),
    how long, where."""

    starts_at: AwareDatetime = Field(
        description="In the future and not after the campaign's decision deadline"
    )
    place: SingleLine = Field(min_length=1, max_length=200)
    duration_minutes: int = Field(60, ge=15, le=480)


class InvitationCreate(StrictModel):
    interview: InterviewBody | None = Field(
        None, description="The proposed interview, sent to the school as a calendar event"
    )

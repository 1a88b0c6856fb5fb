import uuid
from datetime import datetime

from pydantic import Field

from backend.schemas import ReadModel, SingleLine, StrictModel


class SupervisorCreate(StrictModel):
    first_name: SingleLine = Field(min_length=1, max_length=100)
    last_name: SingleLine = Field(min_length=1, max_length=100)
    phone: SingleLine = Field(min_length=1, max_length=40, description="Stored as E.164")
    email: SingleLine = Field(min_length=1, max_length=320)


class SupervisorUpdate(StrictModel):
    first_name: SingleLine | None = Field(None, min_length=1, max_length=100)
    last_name: SingleLine | None = Field(None, min_length=1, max_length=100)
    phone: SingleLine | None = Field(None, min_length=1, max_length=40)
    email: SingleLine | None = Field(None, min_length=1, max_length=320)


class SupervisorRead(ReadModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    phone: str
    email: str
    request_count: int = Field(
        0, description="Requests that refer to this supervisor; while > 0 it cannot be deleted"
    )
    created_at: datetime
    updated_at: datetime

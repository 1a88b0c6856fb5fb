"""Shapes of the API token endpoints."""

import uuid
from datetime import datetime

from pydantic import AliasChoices, AwareDatetime, Field

from backend.schemas import ReadModel, SingleLine, StrictModel


class ApiTokenCreate(StrictModel):
    name: SingleLine = Field(min_length=1, max_length=100, examples=["Leerlingenadministratie"])
    # Required on purpose: whoever creates a token says whether it may write.
    read_only: bool = Field(examples=[True])
    expires_at: AwareDatetime | None = Field(None, examples=["2027-06-30T22:00:00Z"])


class ApiTokenRead(ReadModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    read_only: bool = Field(validation_alias=AliasChoices("is_read_only", "read_only"))
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Recorded at most once a minute")


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="The secret, shown only in this answer; store it safely")

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from backend.schemas import ReadModel, StrictModel


class LoginIn(StrictModel):
    email: str = Field(max_length=320, examples=["school@example.be"])
    password: str = Field(max_length=1024)


class EmailIn(StrictModel):
    email: str = Field(max_length=320)


class TokenPasswordIn(StrictModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)


class ChangePasswordIn(StrictModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class MeUpdate(StrictModel):
    language: Literal["nl", "en"]


class OrganisationRef(ReadModel):
    id: uuid.UUID
    kind: str
    name: str


class UserRead(ReadModel):
    id: uuid.UUID
    email: str
    role: str
    language: str
    organisation: OrganisationRef


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class LoginOut(TokenOut):
    user: UserRead


class Accepted(BaseModel):
    detail: str

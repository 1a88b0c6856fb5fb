import uuid
from typing import Literal

from pydantic import BaseModel, Field

from backend.schemas import ReadModel, SingleLine, StrictModel

# A verification code as typed: digits, perhaps grouped with spaces.
CODE_PATTERN = r"^[0-9 ]*$"


class LoginIn(StrictModel):
    email: str = Field(max_length=320, examples=["school@example.be"])
    password: str = Field(max_length=1024)
    code: str | None = Field(
        None,
        max_length=20,
        pattern=CODE_PATTERN,
        description="The authenticator app's verification code, for an account with two-step "
        "sign-in (asked for by `401 mfa_required`)",
        examples=["123456"],
    )


class EmailIn(StrictModel):
    email: str = Field(max_length=320)


class TokenPasswordIn(StrictModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)


class PasswordCheckIn(StrictModel):
    """A password being chosen, with what the server weighs it against: the account's e-mail
    and organisation (given, or found from an activation or reset link's token)."""

    password: str = Field(max_length=1024)
    email: str | None = Field(None, max_length=320)
    name: SingleLine | None = Field(None, max_length=200)
    token: str | None = Field(None, max_length=200, description="An activation or reset link's")


class PasswordCheck(BaseModel):
    """Which password rules the password meets (null: not checked); `acceptable` when all."""

    length: bool
    not_common: bool
    hard_to_guess: bool | None
    acceptable: bool


class ChangePasswordIn(StrictModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class CodeIn(StrictModel):
    code: str = Field(min_length=1, max_length=20, pattern=CODE_PATTERN, examples=["123456"])


class MfaDisableIn(StrictModel):
    password: str = Field(max_length=1024)
    code: str = Field(min_length=1, max_length=20, pattern=CODE_PATTERN, examples=["123456"])


class MfaEnrolment(BaseModel):
    """Shown once: the authenticator app takes the key typed in, or the URI."""

    secret: str = Field(description="The key, base32")
    otpauth_uri: str


class MeUpdate(StrictModel):
    language: Literal["nl", "en"]


class OrganisationRef(ReadModel):
    id: uuid.UUID
    kind: Literal["admin", "school", "service"]
    name: str
    postcode: str | None = Field(
        None, description="Where a service's distances are measured from, when it has one"
    )


class UserRead(ReadModel):
    id: uuid.UUID
    email: str
    role: Literal["admin", "school", "service"]
    language: Literal["nl", "en"]
    organisation: OrganisationRef
    mfa_enabled: bool = False
    # True while this account must turn two-step sign-in on before anything else answers.
    mfa_enrollment_required: bool = False


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class LoginOut(TokenOut):
    user: UserRead


class Accepted(BaseModel):
    detail: str

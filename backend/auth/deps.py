"""Who is calling: the actor dependency and its role-specific forms."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth import api_tokens, mfa, security
from backend.auth.actor import Actor as Actor  # re-exported: the older imports keep working
from backend.auth.ratelimit import Limiter
from backend.auth.service import is_blocked, user_by_session
from backend.config import Settings
from backend.db import SessionDep
from backend.errors import (
    AccountDisabled,
    Forbidden,
    NotAuthenticated,
    TokenInvalid,
    declares,
    error,
)
from backend.organisations.models import OrganisationKind

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="An access token from `POST /auth/login` or `/auth/token`, or an organisation "
    "API token (`smt_...`) from `POST /api-tokens`.",
)

ReadOnlyToken = error(403, "read_only_token", "This API token may only read")
SessionRequired = error(403, "session_required", "Not allowed with an API token; sign in")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# The small dependencies are `async def`: FastAPI runs a plain `def` one in its thread pool,
# a thread hop on every request.
async def settings_dep(request: Request) -> Settings:
    """The Settings the app was created with (`create_app`)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(settings_dep)]


async def limiter_dep(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter


LimiterDep = Annotated[Limiter, Depends(limiter_dep)]


async def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@declares(NotAuthenticated, TokenInvalid, AccountDisabled)
async def authenticated_actor(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Actor:
    """The caller, before the second-factor gate: only for what an admin without one may do
    (GET /me, enrolment)."""
    return await authenticate(session, settings, token)


AuthenticatedActor = Annotated[Actor, Depends(authenticated_actor)]


def check_second_factor(actor: Actor, settings: Settings) -> None:
    """An admin without the second factor while it is required reaches nothing but the
    enrolment (OWASP ASVS 4.3.1); an admin's API token neither, until its creator enrolled."""
    if mfa.lacks_required_second_factor(actor.user, settings):
        raise mfa.MfaEnrollmentRequired()


@declares(mfa.MfaEnrollmentRequired)
async def current_actor(actor: AuthenticatedActor, settings: SettingsDep) -> Actor:
    """The caller, past the second-factor gate. Every private router depends on it through
    `token_scope`, so that an endpoint fails closed for an admin who has not enrolled."""
    check_second_factor(actor, settings)
    return actor


async def authenticate(
    session: AsyncSession, settings: Settings, token: str | None, *, check_expiry: bool = True
) -> Actor:
    """The actor of a bearer token (an access token or an API token), or the refusal."""
    if not token:
        raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
    if api_tokens.is_api_token(token):
        return await _api_token_actor(session, token)
    claims = security.decode_access_token(token, settings, check_expiry=check_expiry)
    if claims is None:
        raise TokenInvalid(headers={"WWW-Authenticate": "Bearer"})
    try:
        user_id = uuid.UUID(claims["sub"])
    except ValueError:
        raise TokenInvalid() from None
    # None too once the token's sign-in ended (signed out, or its refresh token reused).
    user = await user_by_session(session, user_id, claims["sid"])
    # The token version ends every token issued before a password change or reset.
    if (
        user is None
        or user.token_version != claims["tv"]
        or str(user.organisation_id) != claims["org"]
    ):
        raise TokenInvalid(headers={"WWW-Authenticate": "Bearer"})
    if is_blocked(user):
        raise AccountDisabled()
    return Actor(user=user, organisation_id=user.organisation_id, role=user.organisation.kind)


async def _api_token_actor(session: AsyncSession, raw: str) -> Actor:
    api_token, user = await api_tokens.authenticate(session, raw)
    # A disabled organisation (or creator) stops its tokens as it stops its logins.
    if is_blocked(user):
        raise AccountDisabled()
    return Actor(
        user=user,
        organisation_id=api_token.organisation_id,
        role=user.organisation.kind,
        api_token=api_token,
    )


CurrentActor = Annotated[Actor, Depends(current_actor)]


def _writes(methods: set[str]) -> bool:
    return bool(methods & WRITE_METHODS)


def _check_token_scope(request: Request, actor: Actor) -> None:
    token = actor.api_token
    if token is not None and token.is_read_only and request.method in WRITE_METHODS:
        raise ReadOnlyToken()


@declares(ReadOnlyToken, when=_writes)
async def token_scope(request: Request, actor: CurrentActor) -> Actor:
    """The private API's gate: a read-only token writes nothing, and an admin without the
    required second factor reaches nothing. One dependency of the private router, so no
    endpoint can forget it."""
    _check_token_scope(request, actor)
    return actor


@declares(ReadOnlyToken, when=_writes)
async def enrolment_scope(request: Request, actor: AuthenticatedActor) -> Actor:
    """The gate of the few endpoints an admin reaches before enrolling (router.enrolment)."""
    _check_token_scope(request, actor)
    return actor


@declares(SessionRequired)
async def signed_in_user(actor: CurrentActor) -> Actor:
    if actor.api_token is not None:
        raise SessionRequired()
    return actor


# A person signed in with a password, not a script with an API token: for endpoints that act
# on the person's own credentials.
SignedInActor = Annotated[Actor, Depends(signed_in_user)]


@declares(SessionRequired)
async def enrolling_user(actor: AuthenticatedActor) -> Actor:
    if actor.api_token is not None:
        raise SessionRequired()
    return actor


# The same before the second-factor gate: for the enrolment itself.
EnrollingActor = Annotated[Actor, Depends(enrolling_user)]


def require_role(role: OrganisationKind) -> Callable[[Actor], Awaitable[Actor]]:
    @declares(Forbidden)
    async def dependency(actor: CurrentActor) -> Actor:
        if actor.role != role:
            raise Forbidden(f"Only for {role.value} accounts")
        return actor

    return dependency


AdminActor = Annotated[Actor, Depends(require_role(OrganisationKind.admin))]
SchoolActor = Annotated[Actor, Depends(require_role(OrganisationKind.school))]
ServiceActor = Annotated[Actor, Depends(require_role(OrganisationKind.service))]

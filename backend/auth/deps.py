"""Who is calling: the actor dependency and its role-specific forms."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from backend.auth import security
from backend.auth.models import User
from backend.auth.ratelimit import Limiter
from backend.auth.service import is_blocked, user_by_id
from backend.config import Settings, get_settings
from backend.db import SessionDep
from backend.errors import AccountDisabled, Forbidden, NotAuthenticated, TokenInvalid
from backend.organisations.models import OrganisationKind

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@dataclass(frozen=True)
class Actor:
    """The signed-in user (or, later, an API token) acting for one organisation."""

    user: User
    organisation_id: uuid.UUID
    role: OrganisationKind

    @property
    def is_admin(self) -> bool:
        return self.role == OrganisationKind.admin


def settings_dep() -> Settings:
    return get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dep)]


def limiter_dep(request: Request) -> Limiter:
    return request.app.state.limiter


LimiterDep = Annotated[Limiter, Depends(limiter_dep)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def current_actor(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Actor:
    if not token:
        raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
    claims = security.decode_access_token(token, settings)
    if claims is None:
        raise TokenInvalid(headers={"WWW-Authenticate": "Bearer"})
    try:
        user_id = uuid.UUID(claims["sub"])
    except ValueError:
        raise TokenInvalid() from None
    user = await user_by_id(session, user_id)
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


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_role(role: OrganisationKind):
    async def dependency(actor: CurrentActor) -> Actor:
        if actor.role != role:
            raise Forbidden(f"Only for {role.value} accounts")
        return actor

    return dependency


AdminActor = Annotated[Actor, Depends(require_role(OrganisationKind.admin))]
SchoolActor = Annotated[Actor, Depends(require_role(OrganisationKind.school))]
ServiceActor = Annotated[Actor, Depends(require_role(OrganisationKind.service))]

"""Organisation API tokens for scripts: created by a signed-in user, shown once, stored as a
keyed hash, revocable; a token acts for its organisation as the user who created it."""

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.audit import service as audit
from backend.auth import security
from backend.auth.api_token_schemas import ApiTokenCreate, ApiTokenRead
from backend.auth.models import ApiToken, User
from backend.auth.service import user_by_id
from backend.errors import FieldError, NotFound, TokenInvalid, error
from backend.events import broker as events
from backend.schemas import Page, PageParams

if TYPE_CHECKING:
    # Not at run time: backend.auth.deps imports this module.
    from backend.auth.deps import Actor

# Tells an API token from a JWT at a glance (JWTs start with "eyJ").
TOKEN_PREFIX = "smt_"
VISIBLE_CHARS = 12
# Recording every use would turn every read into a write; once a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 50

TooManyTokens = error(409, "too_many_tokens", "The organisation has too many API tokens")


def is_api_token(raw: str) -> bool:
    return raw.startswith(TOKEN_PREFIX)


def _active(organisation_id: uuid.UUID) -> Select[ApiToken]:
    return select(ApiToken).where(
        ApiToken.organisation_id == organisation_id, ApiToken.revoked_at.is_(None)
    )


async def create(
    session: AsyncSession, actor: "Actor", body: ApiTokenCreate, client_address: str | None = None
) -> tuple[ApiToken, str]:
    """A new token of the actor's organisation with a future expiry (or none); returns the
    row and the secret, which is never stored and cannot be shown again."""
    now = clock.now()
    if body.expires_at is not None and body.expires_at <= now:
        raise FieldError.at("expires_at", "in_past", "The expiry must lie in the future")
    count = await session.scalar(
        select(func.count()).select_from(_active(actor.organisation_id).subquery())
    )
    if (count or 0) >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens(f"Revoke unused tokens first (at most {MAX_ACTIVE_TOKENS})")
    secret = TOKEN_PREFIX + security.new_opaque_token()
    token = ApiToken(
        organisation_id=actor.organisation_id,
        created_by_id=actor.user.id,
        name=body.name,
        token_hash=security.hash_token(secret),
        prefix=secret[:VISIBLE_CHARS],
        is_read_only=body.read_only,
        created_at=now,
        expires_at=body.expires_at,
    )
    session.add(token)
    await session.flush()
    audit.record(
        session,
        "api_token.created",
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        client_address=client_address,
        name=token.name,
        read_only=token.is_read_only,
    )
    return token, secret


async def list_(session: AsyncSession, actor: "Actor", params: PageParams) -> Page[ApiTokenRead]:
    """The organisation's tokens that are not revoked, newest first (expired ones included, so
    that people see why a script stopped)."""
    query = _active(actor.organisation_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(ApiToken.created_at.desc(), ApiToken.id)
        .offset(params.offset)
        .limit(params.page_size)
    )
    return Page[ApiTokenRead](
        items=[ApiTokenRead.model_validate(row) for row in rows],
        total=total or 0,
        page=params.page,
        page_size=params.page_size,
    )


async def revoke(
    session: AsyncSession, actor: "Actor", token_id: uuid.UUID, client_address: str | None = None
) -> None:
    """Revokes a token of the actor's own organisation; another's answers 404, as if absent."""
    token = await session.scalar(_active(actor.organisation_id).where(ApiToken.id == token_id))
    if token is None:
        raise NotFound("No such API token")
    token.revoked_at = clock.now()
    # A stream opened with the token closes too.
    events.credentials_changed(session, token.organisation_id)
    audit.record(
        session,
        "api_token.revoked",
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        client_address=client_address,
        name=token.name,
    )


async def authenticate(session: AsyncSession, raw: str) -> tuple[ApiToken, User]:
    """The live token for `raw` and the user it acts as; a revoked, expired or unknown token
    (or one whose creator is gone) is `401 token_invalid`. Records the use, once a minute."""
    token = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == security.hash_token(raw))
    )
    now = clock.now()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or token.created_by_id is None
    ):
        raise TokenInvalid(headers={"WWW-Authenticate": "Bearer"})
    user = await user_by_id(session, token.created_by_id)
    if user is None or user.organisation_id != token.organisation_id:
        raise TokenInvalid(headers={"WWW-Authenticate": "Bearer"})
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token, user

"""`/api-tokens`: an organisation's tokens for scripts. Managed only by a person signed in
with a password: a leaked token cannot mint more tokens nor outlive its own revocation."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from backend.auth import api_tokens
from backend.auth.api_token_schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenRead
from backend.auth.deps import SignedInActor, client_address
from backend.db import SessionDep
from backend.errors import NotFound, problems
from backend.schemas import Page, PageParams

router = APIRouter(prefix="/api-tokens", tags=["api tokens"])
ClientAddress = Annotated[str, Depends(client_address)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token (the secret is shown only in this answer)",
    responses=problems(api_tokens.TooManyTokens),
)
async def create_api_token(
    body: ApiTokenCreate,
    response: Response,
    actor: SignedInActor,
    db: SessionDep,
    client: ClientAddress,
) -> ApiTokenCreated:
    """Send the token as `Authorization: Bearer smt_...`. A read-only token answers
    `403 read_only_token` to every POST, PUT, PATCH and DELETE."""
    token, secret = await api_tokens.create(db, actor, body, client)
    response.headers["Cache-Control"] = "no-store"
    return ApiTokenCreated(**ApiTokenRead.model_validate(token).model_dump(), token=secret)


@router.get("", summary="The organisation's API tokens (never their secrets)")
async def list_api_tokens(
    actor: SignedInActor, db: SessionDep, params: Annotated[PageParams, Query()]
) -> Page[ApiTokenRead]:
    return await api_tokens.list_(db, actor, params)


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API token; it stops at its next request",
    responses=problems(NotFound),
)
async def revoke_api_token(
    token_id: uuid.UUID, actor: SignedInActor, db: SessionDep, client: ClientAddress
) -> None:
    await api_tokens.revoke(db, actor, token_id, client)

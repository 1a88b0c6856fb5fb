"""`/webhooks`: an organisation's endpoints that hear of changes (docs/integrations.md)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backend.auth.deps import CurrentActor, SettingsDep
from backend.db import SessionDep
from backend.errors import NotFound, problems
from backend.schemas import Page, PageParams
from backend.webhooks import service
from backend.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookRead,
    WebhookSecret,
    WebhookUpdate,
)
from backend.webhooks.urls import WebhookUrlRefused

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _with_secret(endpoint: object, secret: str, response: Response) -> WebhookSecret:
    response.headers["Cache-Control"] = "no-store"
    return WebhookSecret(**WebhookRead.model_validate(endpoint).model_dump(), secret=secret)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook endpoint (the signing secret is shown only in this answer)",
    responses=problems(WebhookUrlRefused, service.TooManyWebhooks),
)
async def create_webhook(
    body: WebhookCreate,
    response: Response,
    actor: CurrentActor,
    db: SessionDep,
    settings: SettingsDep,
) -> WebhookSecret:
    """Events of the chosen kinds about requests the organisation may read are POSTed to
    `url`, signed with the secret (`Stagematch-Signature`)."""
    endpoint, secret = await service.create(db, actor, body, settings)
    return _with_secret(endpoint, secret, response)


@router.get("", summary="The organisation's webhook endpoints (never their secrets)")
async def list_webhooks(
    actor: CurrentActor, db: SessionDep, params: Annotated[PageParams, Query()]
) -> Page[WebhookRead]:
    return await service.list_(db, actor, params)


@router.get("/{webhook_id}", summary="One webhook endpoint", responses=problems(NotFound))
async def get_webhook(webhook_id: uuid.UUID, actor: CurrentActor, db: SessionDep) -> WebhookRead:
    return WebhookRead.model_validate(await service.get(db, actor, webhook_id))


@router.patch(
    "/{webhook_id}",
    summary="Change a webhook endpoint, or switch it on again after failures",
    responses=problems(NotFound, WebhookUrlRefused),
)
async def update_webhook(
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    actor: CurrentActor,
    db: SessionDep,
    settings: SettingsDep,
) -> WebhookRead:
    return WebhookRead.model_validate(await service.change(db, actor, webhook_id, body, settings))


@router.post(
    "/{webhook_id}/secret",
    summary="Rotate the signing secret (the new one is shown only in this answer)",
    responses=problems(NotFound),
)
async def rotate_webhook_secret(
    webhook_id: uuid.UUID, response: Response, actor: CurrentActor, db: SessionDep
) -> WebhookSecret:
    endpoint, secret = await service.rotate_secret(db, actor, webhook_id)
    return _with_secret(endpoint, secret, response)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a webhook endpoint and its delivery log",
    responses=problems(NotFound),
)
async def delete_webhook(webhook_id: uuid.UUID, actor: CurrentActor, db: SessionDep) -> None:
    await service.delete(db, actor, webhook_id)


@router.get(
    "/{webhook_id}/deliveries",
    summary="The endpoint's delivery log, newest first",
    responses=problems(NotFound),
)
async def list_deliveries(
    webhook_id: uuid.UUID,
    actor: CurrentActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
) -> Page[DeliveryRead]:
    return await service.deliveries(db, actor, webhook_id, params)

"""An organisation's webhook endpoints: registered with the event kinds wanted, the signing
secret shown once (sealed under DATA_KEY), rotated on request, switched off after repeated
failure and on again by the organisation; and their delivery log."""

import secrets
import uuid
from typing import Literal

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.auth.actor import Actor
from backend.config import Settings
from backend.errors import NotFound, error
from backend.schemas import Page, PageParams
from backend.webhooks import urls
from backend.webhooks.models import WebhookDelivery, WebhookEndpoint
from backend.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookRead, WebhookUpdate

MAX_ENDPOINTS = 10
SECRET_PREFIX = "whsec_"

TooManyWebhooks = error(409, "too_many_webhooks", "The organisation has too many webhooks")


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def open_secret(endpoint: WebhookEndpoint) -> str:
    """The endpoint's signing secret in clear (for signing a delivery)."""
    opened = crypto.open_token(endpoint.secret_encrypted)
    if opened is None:
        raise ValueError("the webhook's secret does not decrypt with DATA_KEY")
    return opened


def _own(actor: Actor) -> Select[WebhookEndpoint]:
    return select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == actor.organisation_id)


async def get(session: AsyncSession, actor: Actor, webhook_id: uuid.UUID) -> WebhookEndpoint:
    """One of the actor's organisation's endpoints, or 404."""
    endpoint = await session.scalar(_own(actor).where(WebhookEndpoint.id == webhook_id))
    if endpoint is None:
        raise NotFound("No such webhook")
    return endpoint


async def create(
    session: AsyncSession, actor: Actor, body: WebhookCreate, settings: Settings
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the actor's organisation (its URL checked: https, public); returns
    it with its secret, which is never shown again."""
    await urls.resolve(body.url, settings)
    count = await session.scalar(select(func.count()).select_from(_own(actor).subquery()))
    if (count or 0) >= MAX_ENDPOINTS:
        raise TooManyWebhooks(f"Remove unused webhooks first (at most {MAX_ENDPOINTS})")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organisation_id=actor.organisation_id,
        url=body.url,
        description=body.description,
        event_kinds=sorted(set(body.event_kinds)),
        secret_encrypted=crypto.encrypt(secret),
        is_enabled=True,
        consecutive_failures=0,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint, secret


async def list_(session: AsyncSession, actor: Actor, params: PageParams) -> Page[WebhookRead]:
    query = _own(actor)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        .offset(params.offset)
        .limit(params.page_size)
    )
    return Page[WebhookRead](
        items=[WebhookRead.model_validate(row) for row in rows],
        total=total or 0,
        page=params.page,
        page_size=params.page_size,
    )


async def change(
    session: AsyncSession,
    actor: Actor,
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    settings: Settings,
) -> WebhookEndpoint:
    """Changes the URL, kinds or description; `is_enabled: true` switches on again an
    endpoint switched off after failures (its count starts again), `false` pauses it."""
    endpoint = await get(session, actor, webhook_id)
    if body.url is not None:
        await urls.resolve(body.url, settings)
        endpoint.url = body.url
    if body.event_kinds is not None:
        endpoint.event_kinds = sorted(set(body.event_kinds))
    if body.description is not None:
        endpoint.description = body.description
    if body.is_enabled is True and not endpoint.is_enabled:
        endpoint.is_enabled = True
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None
        endpoint.disabled_reason = None
    elif body.is_enabled is False and endpoint.is_enabled:
        endpoint.is_enabled = False
        endpoint.disabled_at = clock.now()
        endpoint.disabled_reason = "switched off by the organisation"
        await give_up_pending(session, endpoint.id, "the endpoint was switched off")
    await session.flush()
    return endpoint


async def rotate_secret(
    session: AsyncSession, actor: Actor, webhook_id: uuid.UUID
) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, shown once; deliveries from now on are signed with it."""
    endpoint = await get(session, actor, webhook_id)
    secret = new_secret()
    endpoint.secret_encrypted = crypto.encrypt(secret)
    await session.flush()
    return endpoint, secret


async def delete(session: AsyncSession, actor: Actor, webhook_id: uuid.UUID) -> None:
    """Removes the endpoint with its deliveries (pending ones are not sent)."""
    endpoint = await get(session, actor, webhook_id)
    await session.delete(endpoint)
    await session.flush()


async def give_up_pending(session: AsyncSession, endpoint_id: uuid.UUID, reason: str) -> None:
    """The endpoint's deliveries still to be sent are not: marked failed with `reason`."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.delivered_at.is_(None),
            WebhookDelivery.failed_at.is_(None),
        )
        .values(failed_at=clock.now(), last_error=reason)
        .execution_options(synchronize_session=False)
    )


def _state(delivery: WebhookDelivery) -> Literal["pending", "delivered", "failed"]:
    if delivery.delivered_at is not None:
        return "delivered"
    if delivery.failed_at is not None:
        return "failed"
    return "pending"


async def deliveries(
    session: AsyncSession, actor: Actor, webhook_id: uuid.UUID, params: PageParams
) -> Page[DeliveryRead]:
    """The endpoint's delivery log, newest first."""
    endpoint = await get(session, actor, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(WebhookDelivery.event_id.desc(), WebhookDelivery.id)
        .offset(params.offset)
        .limit(params.page_size)
    )
    items = [
        DeliveryRead.model_validate(
            {
                **{c: getattr(row, c) for c in DeliveryRead.model_fields if c != "state"},
                "state": _state(row),
                "next_attempt_at": row.next_attempt_at if _state(row) == "pending" else None,
            }
        )
        for row in rows
    ]
    return Page[DeliveryRead](
        items=items, total=total or 0, page=params.page, page_size=params.page_size
    )

"""Organisations and their accounts, managed by the admin."""

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.audit import service as audit
from backend.auth import service as auth
from backend.auth.deps import Actor
from backend.auth.models import User
from backend.auth.ratelimit import Limiter
from backend.campaigns.models import Campaign
from backend.config import Settings
from backend.errors import AlreadyActivated, Conflict, EmailTaken, NotFound, error
from backend.events import broker as events
from backend.organisations import capacity
from backend.organisations.models import Organisation, OrganisationKind, ServiceCapacity
from backend.organisations.schemas import (
    CapacityRead,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
)
from backend.schemas import Page, PageParams

NotAService = error(409, "not_a_service", "Only a care service has a capacity")


def read(organisation: Organisation, user: User | None) -> OrganisationRead:
    if organisation.is_disabled:
        account_status = "disabled"
    elif user is not None and user.is_activated:
        account_status = "active"
    else:
        account_status = "invited"
    return OrganisationRead.model_validate(
        {
            **{
                c: getattr(organisation, c)
                for c in OrganisationRead.model_fields
                if hasattr(organisation, c)
            },
            "account_status": account_status,
        }
    )


async def _primary_user(session: AsyncSession, organisation_id: uuid.UUID) -> User | None:
    return await session.scalar(
        select(User)
        .where(User.organisation_id == organisation_id)
        .order_by(User.created_at)
        .limit(1)
    )


async def create(
    session: AsyncSession, actor: Actor, body: OrganisationCreate, settings: Settings
) -> OrganisationRead:
    """Creates the organisation and its account, and mails the activation link."""
    email = auth.normalize_email(str(body.email))
    if await auth.user_by_email(session, email) is not None:
        raise EmailTaken()
    organisation = Organisation(**body.model_dump(exclude={"email"}), email=email)
    session.add(organisation)
    await session.flush()
    user = User(organisation_id=organisation.id, email=email, language=body.language)
    user.organisation = organisation
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise EmailTaken() from None
    await auth.invite(session, user, settings)
    audit.record(
        session,
        "organisation_created",
        actor=actor,
        object_type="organisation",
        object_id=organisation.id,
        kind=str(organisation.kind),
        email=email,
    )
    return read(organisation, user)


async def get(session: AsyncSession, organisation_id: uuid.UUID) -> OrganisationRead:
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("No such organisation")
    return read(organisation, await _primary_user(session, organisation_id))


async def list_(
    session: AsyncSession,
    params: PageParams,
    q: str | None = None,
    kind: OrganisationKind | None = None,
) -> Page[OrganisationRead]:
    query = select(Organisation)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(Organisation.name).like(pattern),
                func.lower(Organisation.email).like(pattern),
                Organisation.postcode.like(pattern),
            )
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    organisations = (
        await session.scalars(
            query.order_by(Organisation.name).offset(params.offset).limit(params.page_size)
        )
    ).all()
    ids = [o.id for o in organisations]
    users = {}
    if ids:
        # One query for the accounts of the whole page, never one per row.
        for user in (
            await session.scalars(
                select(User).where(User.organisation_id.in_(ids)).order_by(User.created_at.desc())
            )
        ).all():
            users[user.organisation_id] = user
    return Page(
        items=[read(o, users.get(o.id)) for o in organisations],
        total=total or 0,
        page=params.page,
        page_size=params.page_size,
    )


async def update(
    session: AsyncSession, actor: Actor, organisation_id: uuid.UUID, body: OrganisationUpdate
) -> OrganisationRead:
    """Edits an organisation; disabling it locks its accounts out at their next request."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("No such organisation")
    changes = body.model_dump(exclude_unset=True)
    if "is_disabled" in changes:
        disabled = changes.pop("is_disabled")
        if organisation.kind == OrganisationKind.admin and disabled:
            raise Conflict("The admin organisation cannot be disabled")
        organisation.disabled_at = (organisation.disabled_at or clock.now()) if disabled else None
        if disabled:
            # Its open event streams close too, not only its next requests.
            events.credentials_changed(session, organisation.id)
    for field, value in changes.items():
        if value is not None:
            setattr(organisation, field, value)
    await session.flush()
    audit.record(
        session,
        "organisation_updated",
        actor=actor,
        object_type="organisation",
        object_id=organisation.id,
        changes=body.model_dump(mode="json", exclude_unset=True),
    )
    return read(organisation, await _primary_user(session, organisation_id))


async def resend_invitation(
    session: AsyncSession, actor: Actor, organisation_id: uuid.UUID, settings: Settings
) -> None:
    """Mails a new activation link; the older one stops working."""
    organisation = await session.get(Organisation, organisation_id)
    user = await _primary_user(session, organisation_id) if organisation else None
    if organisation is None or user is None:
        raise NotFound("No such organisation")
    if user.is_activated:
        raise AlreadyActivated()
    user.organisation = organisation
    await auth.invite(session, user, settings)
    audit.record(
        session,
        "invitation_resent",
        actor=actor,
        object_type="organisation",
        object_id=organisation.id,
    )


async def unlock_sign_in(
    session: AsyncSession, actor: Actor, organisation_id: uuid.UUID, limiter: Limiter
) -> None:
    """Forgets the failed sign-ins counted against the organisation's accounts, from every
    address (someone else's guessing locked its people out)."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("No such organisation")
    emails = await session.scalars(
        select(User.email).where(User.organisation_id == organisation.id)
    )
    for email in emails.all():
        await limiter.unlock_account(email)
    audit.record(
        session,
        "sign_in_unlocked",
        actor=actor,
        object_type="organisation",
        object_id=organisation.id,
    )


async def service_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation:
    """The organisation, which must be a service (capacities belong to services)."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("No such organisation")
    if organisation.kind != OrganisationKind.service:
        raise NotAService()
    return organisation


def capacity_read(found: ServiceCapacity) -> CapacityRead:
    return CapacityRead(
        campaign_id=found.campaign_id,
        capacity=found.capacity,
        used=found.used,
        remaining=found.capacity - found.used,
    )


async def list_capacities(session: AsyncSession, organisation_id: uuid.UUID) -> list[CapacityRead]:
    await service_organisation(session, organisation_id)
    return [capacity_read(c) for c in await capacity.capacities(session, organisation_id)]


async def set_capacity(
    session: AsyncSession,
    actor: Actor,
    organisation_id: uuid.UUID,
    campaign_id: uuid.UUID,
    value: int,
) -> CapacityRead:
    """Sets how many pupils a service can take in a campaign."""
    await service_organisation(session, organisation_id)
    if await session.get(Campaign, campaign_id) is None:
        raise NotFound("No such campaign")
    found = await capacity.set_capacity(session, organisation_id, campaign_id, value)
    audit.record(
        session,
        "capacity_set",
        actor=actor,
        object_type="organisation",
        object_id=organisation_id,
        campaign_id=str(campaign_id),
        capacity=value,
    )
    return capacity_read(found)

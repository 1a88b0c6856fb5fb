"""The contact person a service named at its latest acceptance: its accept dialog starts
from it (services mostly name the same person), kept on the server, not in one browser."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.organisations.schemas import LastContact
from backend.placements.models import Acceptance


async def last_contact(session: AsyncSession, service_id: uuid.UUID) -> LastContact:
    row = (
        await session.execute(
            select(Acceptance.contact_name, Acceptance.contact_phone, Acceptance.contact_email)
            .where(Acceptance.service_id == service_id)
            .order_by(Acceptance.accepted_at.desc(), Acceptance.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return LastContact(name=None, phone=None, email=None)
    return LastContact(name=row[0], phone=row[1], email=row[2])

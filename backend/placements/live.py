"""What the live stream says when a placement request changes: who hears it (its school, the
admins, every service or only some) and whether it is still in the services' browse list."""

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from backend.events.broker import ADMINS, SERVICES, publish_after_commit


def request_changed(
    session: AsyncSession,
    *,
    request_id: uuid.UUID,
    school_id: uuid.UUID,
    kind: str,
    available: bool | None = None,
    services: Iterable[uuid.UUID] = (),
) -> None:
    """A request changed: its school and the admins hear `kind`; when `available` is given,
    every service hears whether the request is (still) in the browse list; `services` hear it
    on their own channel (their invitation changed although the list may not have)."""
    event = {"kind": kind, "request_id": str(request_id)}
    publish_after_commit(session, [school_id, ADMINS], event)
    if available is not None:
        publish_after_commit(session, [SERVICES], {**event, "available": available})
    elif services:
        publish_after_commit(session, list(services), event)

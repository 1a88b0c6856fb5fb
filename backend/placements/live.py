"""What the live stream (and the webhooks) say when a placement request changes: who hears it
(its school, the admins, every service or only some) and whether it is still in the services'
browse list. The kinds (ChangeKind below) are listed in docs/integrations.md."""

import uuid
from collections.abc import Iterable
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.events.broker import ADMINS, SERVICES
from backend.events.log import record

# Every kind a change of a request can have (webhooks subscribe to some of them).
ChangeKind = Literal[
    "created",
    "imported",
    "updated",
    "withdrawn",
    "invited",
    "invitation_withdrawn",
    "declined",
    "accepted",
    "released",
    "interview_changed",  # the inviting service set, changed or dropped the interview
]


def request_changed(
    session: AsyncSession,
    *,
    request_id: uuid.UUID,
    school_id: uuid.UUID,
    kind: ChangeKind,
    available: bool | None = None,
    services: Iterable[uuid.UUID] = (),
) -> None:
    """A request changed: its school and the admins hear `kind`; when `available` is given,
    every service hears whether the request is (still) in the browse list; `services` hear it
    on their own channel (their invitation changed although the list may not have)."""
    event = {"kind": kind, "request_id": str(request_id)}
    # Kept (the stream's replay, the webhooks) in the change's transaction, published after.
    record(session, [school_id, ADMINS], event)
    if available is not None:
        record(session, [SERVICES], {**event, "available": available})
    elif services:
        record(session, list(services), event)

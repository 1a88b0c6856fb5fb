"""Personal data leaving Stagematch: a national number shown to the accepting service
(audited) and the admin's reveal with a reason (audited)."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend import crypto
from backend.audit import service as audit
from backend.auth.deps import Actor
from backend.placements.models import (
    PlacementRequest,
)
from backend.placements.reading.access import get_visible_request
from backend.placements.reading.present import present


def respond(
    session: AsyncSession,
    actor: Actor,
    request: PlacementRequest,
    *,
    client_address: str | None = None,
    via: str = "detail",
    extra: dict[str, Any] | None = None,
    campaigns: dict | None = None,
) -> dict[str, Any]:
    """The request as `actor` may see it; a national number shown to a service is audited."""
    body = present(actor, request, extra=extra, campaigns=campaigns)
    if "national_number" in body and actor.role.value == "service":
        audit.record(
            session,
            "national_number_shown",
            actor=actor,
            object_type="placement_request",
            object_id=request.id,
            client_address=client_address,
            via=via,
        )
    return body


async def reveal(
    session: AsyncSession, actor, request_id: uuid.UUID, reason: str, client_address: str
) -> dict[str, str]:
    """The admin sees a pupil's national number, phone and e-mail only with a reason, which
    the audit log keeps."""
    request = await get_visible_request(session, actor, request_id)
    audit.record(
        session,
        "national_number_revealed",
        actor=actor,
        object_type="placement_request",
        object_id=request.id,
        client_address=client_address,
        reason=reason,
    )
    return {
        "id": str(request.id),
        "national_number": crypto.decrypt(request.national_number_encrypted),
        "phone": request.phone,
        "email": request.email,
    }

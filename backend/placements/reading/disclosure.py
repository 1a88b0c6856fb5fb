"""Personal data leaving Stagematch: this room decides which reads are audited. A national
number shown to a service (the one that accepted the pupil) is written to the audit log,
whichever way it leaves (detail, list, a write's answer, export); the admin sees it only
through the reveal, with a reason, also audited."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend import crypto
from backend.audit import service as audit
from backend.auth.actor import Actor
from backend.organisations import capacity
from backend.organisations.models import OrganisationKind
from backend.placements.reading.access import get_visible_request
from backend.placements.reading.present import has_own_pending_invitation, present_many
from backend.placements.reading.view import RequestView, read_view


async def _full_campaigns(
    session: AsyncSession, actor: Actor, views: list[RequestView]
) -> frozenset[uuid.UUID]:
    """For a service: the campaigns of `views` where it has no place left, asked once for the
    whole list and only about those where it could accept (its invitation is live)."""
    if actor.role != OrganisationKind.service:
        return frozenset()
    could_accept = {v.campaign.id for v in views if has_own_pending_invitation(actor, v)}
    return await capacity.full_campaigns(session, actor.organisation_id, could_accept)


async def respond_many(
    session: AsyncSession,
    actor: Actor,
    views: list[RequestView],
    *,
    via: str,
    client_address: str | None = None,
) -> list[dict[str, Any]]:
    """The requests as `actor` may see them, with their actions; each national number shown
    to a service is audited (`via`: detail, list, export...)."""
    bodies = present_many(actor, views, await _full_campaigns(session, actor, views))
    if actor.role == OrganisationKind.service:
        for view, body in zip(views, bodies, strict=True):
            if "national_number" in body:
                audit.record(
                    session,
                    "national_number_shown",
                    actor=actor,
                    object_type="placement_request",
                    object_id=view.id,
                    client_address=client_address,
                    via=via,
                )
    return bodies


async def respond(
    session: AsyncSession,
    actor: Actor,
    view: RequestView,
    *,
    via: str = "detail",
    client_address: str | None = None,
) -> dict[str, Any]:
    """One request as `actor` may see it, audited as `respond_many` says."""
    return (await respond_many(session, actor, [view], via=via, client_address=client_address))[0]


async def show(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    via: str = "detail",
    client_address: str | None = None,
) -> dict[str, Any]:
    """The response body of one request (the detail, and every write's answer): read as a
    view if `actor` may know it (else 404), presented, audited."""
    view = await read_view(session, actor, request_id)
    return await respond(session, actor, view, via=via, client_address=client_address)


async def reveal(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, reason: str, client_address: str
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

"""The mails of the services' transitions, through the outbox, in each recipient's language:
the school hears when its pupil is invited, declined, accepted or released (and when an
invitation is withdrawn); the other inviting services hear when the pupil is placed elsewhere."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.clock import BRUSSELS
from backend.mail.service import Attachment, enqueue, link
from backend.organisations.models import Organisation
from backend.placements.models import PlacementRequest

# Template names (backend/mail/templates/<name>.<nl|en>.<txt|html>).
PUPIL_INVITED = "pupil_invited"
INVITATION_WITHDRAWN = "invitation_withdrawn"
PUPIL_DECLINED = "pupil_declined"
PUPIL_ACCEPTED = "pupil_accepted"
ACCEPTANCE_RELEASED = "acceptance_released"
PLACED_ELSEWHERE = "placed_elsewhere"
INTERVIEW_CHANGED = "interview_changed"
INTERVIEW_CANCELLED = "interview_cancelled"


def _context(request: PlacementRequest) -> dict[str, Any]:
    return {
        "pupil": f"{request.first_name} {request.last_name}",
        "track": request.campaign.track.value,
        "school_year": request.campaign.school_year,
        "decision_deadline": request.campaign.decision_deadline.astimezone(BRUSSELS).strftime(
            "%d/%m/%Y %H:%M"
        ),
    }


def to_school(
    session: AsyncSession,
    request: PlacementRequest,
    template: str,
    service: Organisation | None = None,
    *,
    attachments: Sequence[Attachment] = (),
    **context: Any,
) -> None:
    """One mail to the request's school about what `service` (or the admin) did, with
    `attachments` (the interview's calendar event)."""
    school = request.school
    if service is not None:
        context["service_name"] = service.name
    enqueue(
        session,
        school.email,
        template,
        school.language,
        placement_request_id=request.id,
        attachments=attachments,
        **_context(request),
        school_name=school.name,
        link=link(f"/school/requests/{request.id}"),
        **context,
    )


def to_services(
    session: AsyncSession,
    request: PlacementRequest,
    template: str,
    services: Iterable[Organisation],
    **context: Any,
) -> None:
    """One mail to each of `services` (each once, in its own language)."""
    seen = set()
    for service in services:
        if service.id in seen:
            continue
        seen.add(service.id)
        enqueue(
            session,
            service.email,
            template,
            service.language,
            placement_request_id=request.id,
            **_context(request),
            service_name=service.name,
            school_name=request.school.name,
            link=link(f"/service/requests/{request.id}"),
            **context,
        )

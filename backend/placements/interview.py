"""The interview a service proposes with its invitation, as the school's calendar event
(iCalendar, RFC 5545, sent as an iTIP message, RFC 5546): a request when it is set or changed,
a cancellation when it is dropped or its invitation ends. One event per invitation: its UID is
the invitation's id, its SEQUENCE the invitation's `interview_sequence`, raised by every
change, so that a calendar replaces the event it holds instead of adding another."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backend import clock
from backend.clock import BRUSSELS
from backend.mail.outbox import one_line
from backend.mail.service import Attachment
from backend.placements import notifications
from backend.placements.models import Invitation, PlacementRequest
from backend.reference.contact import normalize_contact

Method = Literal["REQUEST", "CANCEL"]
PRODID = "-//Stagematch//Interview//NL"
# The attachment's name in the school's language.
FILENAMES = {"nl": "uitnodiging.ics", "en": "interview.ics"}
CONTENT_TYPE = {
    "REQUEST": "text/calendar; method=REQUEST; charset=utf-8",
    "CANCEL": "text/calendar; method=CANCEL; charset=utf-8",
}


@dataclass(frozen=True)
class Interview:
    starts_at: datetime
    duration_minutes: int
    place: str

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


def of(invitation: Invitation) -> Interview | None:
    """The invitation's interview, if one is set."""
    if invitation.interview_starts_at is None or invitation.interview_place is None:
        return None
    return Interview(
        invitation.interview_starts_at,
        invitation.interview_duration_minutes or 60,
        invitation.interview_place,
    )


def uid(invitation_id: uuid.UUID) -> str:
    return f"interview-{invitation_id}@stagematch"


def _organizer(service_name: str, service_email: str) -> vCalAddress | None:
    """The service as the event's organizer, when its address is one a mail may carry."""
    values: dict[str, Any] = {"email": service_email}
    if normalize_contact(values):
        return None
    address = vCalAddress(f"mailto:{values['email']}")
    address.params["CN"] = vText(one_line(service_name))
    return address


def event(
    *,
    method: Method,
    invitation_id: uuid.UUID,
    sequence: int,
    interview: Interview,
    summary: str,
    service_name: str,
    service_email: str,
) -> str:
    """The calendar object of one iTIP message (`REQUEST` or `CANCEL`), times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    item = Event()
    item.add("uid", uid(invitation_id))
    item.add("sequence", sequence)
    item.add("dtstamp", clock.now().astimezone(UTC))
    item.add("dtstart", interview.starts_at.astimezone(UTC))
    item.add("dtend", interview.ends_at.astimezone(UTC))
    item.add("summary", one_line(summary))
    item.add("location", one_line(interview.place))
    organizer = _organizer(service_name, service_email)
    if organizer is not None:
        item.add("organizer", organizer)
    item.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    calendar.add_component(item)
    return str(calendar.to_ical().decode())


def when(interview: Interview) -> str:
    """The moment as the mail says it, in Brussels time: 03/12/2026 14:00–15:00."""
    start, end = interview.starts_at.astimezone(BRUSSELS), interview.ends_at.astimezone(BRUSSELS)
    return f"{start:%d/%m/%Y %H:%M}–{end:%H:%M}"


def summary(request: PlacementRequest, service_name: str, language: str) -> str:
    pupil = f"{request.first_name} {request.last_name}"
    if language == "en":
        return f"Interview {pupil} – {service_name}"
    return f"Kennismakingsgesprek {pupil} – {service_name}"


def mail_part(
    request: PlacementRequest,
    invitation: Invitation,
    service_name: str,
    service_email: str,
    method: Method,
) -> tuple[dict[str, Any], list[Attachment]]:
    """The school mail's interview lines (`interview_when`, `interview_place`: None without
    an interview) and its calendar attachment (none without an interview)."""
    found = of(invitation)
    if found is None:
        return {"interview_when": None, "interview_place": None}, []
    language = request.school.language
    ics = event(
        method=method,
        invitation_id=invitation.id,
        sequence=invitation.interview_sequence,
        interview=found,
        summary=summary(request, service_name, language),
        service_name=service_name,
        service_email=service_email,
    )
    attachment = Attachment(FILENAMES.get(language, FILENAMES["nl"]), CONTENT_TYPE[method], ics)
    return {"interview_when": when(found), "interview_place": found.place}, [attachment]


async def cancel_ended(
    session: AsyncSession,
    request: PlacementRequest,
    invitations: list[Invitation],
) -> None:
    """The invitations' interviews are off (the pupil is placed elsewhere, the request was
    withdrawn): one cancellation mail to the school for each that had one. The invitations
    are loaded with their service."""
    for invitation in invitations:
        if of(invitation) is None:
            continue
        await raise_sequence(session, invitation)
        service = invitation.service
        context, attachments = mail_part(request, invitation, service.name, service.email, "CANCEL")
        notifications.to_school(
            session,
            request,
            notifications.INTERVIEW_CANCELLED,
            service,
            attachments=attachments,
            **context,
        )


async def raise_sequence(session: AsyncSession, invitation: Invitation) -> None:
    """The event changes: its SEQUENCE goes up by one, in the database (an increment, never a
    value read before) and on `invitation`."""
    sequence = await session.scalar(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(interview_sequence=Invitation.interview_sequence + 1)
        .returning(Invitation.interview_sequence)
        .execution_options(synchronize_session=False)
    )
    assert sequence is not None
    set_committed_value(invitation, "interview_sequence", sequence)

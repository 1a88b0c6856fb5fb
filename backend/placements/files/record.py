"""The school's record of one pupil: everything Stagematch holds about it, for the access a
pupil or a parent may ask for (GDPR art. 15). The request as the school sees it, its whole
history with the disclosures (who was given which personal fields), and the mails sent about
the pupil with every link left out; as JSON, or as a printable, self-contained Dutch page."""

import re
import uuid
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.actor import Actor
from backend.errors import Forbidden
from backend.mail.models import OutboxMail
from backend.organisations.models import OrganisationKind
from backend.placements.files import words
from backend.placements.history import all_events
from backend.placements.reading.disclosure import DISCLOSED
from backend.placements.reading.present import present
from backend.placements.reading.view import read_view
from backend.reference.national_number import format_national_number

# A mail's links open the app (or, once, an account): the record shows where one stood.
_URL = re.compile(r"https?://[^\s<>\"']+")
LINK = "[link]"


def without_links(text: str) -> str:
    return _URL.sub(LINK, text)


def _mail(mail: OutboxMail) -> dict[str, Any]:
    return {
        "created_at": mail.created_at.isoformat(),
        "sent_at": mail.sent_at.isoformat() if mail.sent_at else None,
        "to": mail.to_address,
        "subject": without_links(mail.subject),
        "body": without_links(mail.body_text),
    }


async def pupil_record(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID
) -> dict[str, Any]:
    """The record of one of the school's own pupils, withdrawn ones included (another's, or
    none: 404). Reading it discloses nothing: the school is the pupil's own."""
    if actor.role != OrganisationKind.school:
        raise Forbidden("The record of a pupil is for its school")
    # A withdrawn pupil's data are held until the campaign's retention ends: its record too.
    view = await read_view(session, actor, request_id, with_withdrawn=True)
    request = present(actor, view)
    mails = await session.scalars(
        select(OutboxMail)
        .where(OutboxMail.placement_request_id == view.id)
        .order_by(OutboxMail.created_at, OutboxMail.id)
    )
    return {
        "generated_at": clock.now().isoformat(),
        "request": request,
        "history": await all_events(session, actor, view.id),
        "mails": [_mail(m) for m in mails],
    }


# --- the Dutch page ------------------------------------------------------------------------

MONTHS = (
    *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
    *("september", "oktober", "november", "december"),
)
EVENTS = {
    # The client's words (frontend/src/i18n/nl.json, `event.*`).
    "created": "Aanvraag ingegeven",
    "imported": "Aanvraag ingelezen uit een bestand",
    "updated": "Aanvraag gewijzigd",
    "invited": "Uitgenodigd",
    "invitation_withdrawn": "Uitnodiging ingetrokken",
    "declined": "Niet weerhouden na gesprek",
    "accepted": "Aanvaard",
    "released": "Aanvaarding ongedaan gemaakt",
    "withdrawn": "Aanvraag ingetrokken door de school",
    "request_withdrawn": "Aanvraag ingetrokken",
    "placed_elsewhere": "Elders geplaatst",
}
DISCLOSED_WORDS = {
    "national_number": "rijksregisternummer",
    "phone": "telefoon",
    "email": "e-mailadres",
    "street": "straat",
}
VIA_WORDS = {
    "detail": "in Stagematch",
    "export": "in een export",
    "agreement": "in de stageovereenkomst",
    "reveal": "bij een inzage door de beheerder",
    "api": "via een koppeling",
}
OUTCOMES = {
    "pending": "uitgenodigd",
    "withdrawn": "uitnodiging ingetrokken",
    "declined": "niet weerhouden",
    "placed_elsewhere": "elders geplaatst",
    "request_withdrawn": "aanvraag ingetrokken",
    "accepted": "aanvaard",
}


def _moment(text: str | None, *, time: bool = True) -> str:
    """'3 december 2026 om 14:05' (Brussels), or the day alone."""
    if not text:
        return "–"
    at = datetime.fromisoformat(text).astimezone(clock.BRUSSELS)
    day = f"{at.day} {MONTHS[at.month - 1]} {at.year}"
    return f"{day} om {at:%H:%M}" if time else day


def _day(text: str | None) -> str:
    if not text:
        return "–"
    day = date.fromisoformat(text)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _listing(words_: list[str]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    return words_[0] if len(words_) == 1 else f"{', '.join(words_[:-1])} en {words_[-1]}"


def disclosure_sentence(details: dict[str, Any], at: str) -> str:
    """'Rijksregisternummer en telefoon gezien door Thuiszorg Oostende, 3 december, in
    Stagematch (3 keer)': as the school's page says it."""
    fields = _listing([DISCLOSED_WORDS.get(f, f) for f in details.get("fields", [])])
    moment = datetime.fromisoformat(at).astimezone(clock.BRUSSELS)
    organisation = (details.get("organisation") or {}).get("name") or "?"
    sentence = (
        f"{fields[:1].upper()}{fields[1:]} gezien door {organisation}, "
        f"{moment.day} {MONTHS[moment.month - 1]}, {VIA_WORDS.get(details.get('via', ''), '')}"
    )
    count = details.get("count") or 1
    if count > 1:
        sentence += f" ({count} keer)"
    if details.get("reason"):
        sentence += f", reden: {details['reason']}"
    return sentence


def _word(kind: str, code: str | None) -> str:
    if code is None:
        return "–"
    return words.VALUES[kind].get(code, (code, code))[0]


def _event_line(event: dict[str, Any]) -> dict[str, str]:
    details = event.get("details") or {}
    if event["kind"] == DISCLOSED:
        what = disclosure_sentence(details, event["at"])
    else:
        what = EVENTS.get(event["kind"], "Aanvraag gewijzigd")
        if event["kind"] == "updated" and details.get("fields"):
            names = [words.HEADERS.get(f, (f, f))[0].lower() for f in details["fields"]]
            what += f": {_listing(names)}"
        if details.get("reason"):
            what += f", reden: {details['reason']}"
    actor = event.get("actor") or {}
    return {"at": _moment(event["at"]), "what": what, "who": actor.get("organisation_name") or ""}


def _facts(request: dict[str, Any]) -> list[tuple[str, str]]:
    """The pupil's and the request's fields with their Dutch names, as the export names them."""
    h = {column: dutch for column, (dutch, _) in words.HEADERS.items()}
    transport = ", ".join(_word("transport_modes", m) for m in request["transport_modes"])
    supervisor = request["supervisor"]
    number = request.get("national_number")
    return [
        (h["first_name"], request["first_name"]),
        (h["last_name"], request["last_name"]),
        (h["national_number"], format_national_number(number) if number else "–"),
        (h["street"], request.get("street") or "–"),
        (h["postcode"], request["postcode"]),
        (h["city"], request["city"]),
        (h["province"], _word("province", request["province"])),
        (h["phone"], request.get("phone") or "–"),
        (h["email"], request.get("email") or "–"),
        (h["transport_modes"], transport or "–"),
        (h["remarks"], request.get("remarks") or "–"),
        (h["status"], _word("status", request["status"])),
        (h["track"], _word("track", request["track"])),
        (h["school_year"], request["campaign"]["school_year"]),
        (h["school"], request["school"]["name"]),
        (h["supervisor"], f"{supervisor['first_name']} {supervisor['last_name']}"),
        (h["start_date"], _day(request.get("start_date"))),
        (h["end_date"], _day(request.get("end_date"))),
        (h["hours_per_week"], str(request["hours_per_week"])),
        (h["days"], ", ".join(_word("days", d) for d in request["days"]) or "–"),
        (h["form"], _word("form", request.get("form"))),
        (h["created_at"], _moment(request.get("created_at"))),
    ]


@cache
def _template() -> Any:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,  # every value is the user's text: escaped, always
        undefined=StrictUndefined,
    )
    return environment.get_template("record.nl.html")


def render_html(record: dict[str, Any]) -> str:
    """The record as one printable Dutch page: no script, no outside resource."""
    request = record["request"]
    acceptance = request.get("acceptance")
    return str(
        _template().render(
            pupil=f"{request['first_name']} {request['last_name']}",
            generated_at=_moment(record["generated_at"]),
            facts=_facts(request),
            invitations=[
                {
                    "service": i["service"]["name"],
                    "at": _moment(i["invited_at"]),
                    "outcome": OUTCOMES.get(i["outcome"], i["outcome"]),
                }
                for i in request.get("invitations", [])
            ],
            acceptance={
                "service": acceptance["service"]["name"],
                "at": _moment(acceptance["accepted_at"]),
                "notes": acceptance["notes"],
                "contact": ", ".join(v for v in acceptance["contact_person"].values() if v),
            }
            if acceptance
            else None,
            events=[_event_line(e) for e in record["history"]],
            mails=[
                {**m, "at": _moment(m["sent_at"] or m["created_at"]), "sent": bool(m["sent_at"])}
                for m in record["mails"]
            ],
        )
    )

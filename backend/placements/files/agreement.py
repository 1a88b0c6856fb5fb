"""The placement agreement of an accepted pupil, as a PDF to print and sign: the parties (the
pupil with its national number, the school and its supervisor, the care service and the
contact person of the acceptance), the placement (period, hours, days, form, track, year),
the agreement's text, which the admin edits (`texts`, name `agreement`), and places to sign.

For the accepting service and the owning school while the pupil is accepted; the admin only
with a reason, as its other reveals. Every download is audited, and a download by anyone but
the school is a disclosure told on the pupil's page (`Via.agreement`).

Built with fpdf2's core fonts (no font file, no system package): their encoding is Windows-1252,
which holds the letters of Dutch, French, German and Turkish names ("Ünal Çelik", "Zoë",
"Šárka"); any other letter is written without its accent, or as its nearest plain letter."""

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import anyio
import anyio.to_thread
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.audit import service as audit
from backend.auth.actor import Actor
from backend.errors import NotFound, error
from backend.organisations.models import Organisation, OrganisationKind
from backend.placements.files import words
from backend.placements.reading.disclosure import Via, disclosed_fields, record_disclosure
from backend.placements.reading.view import AcceptanceView, RequestView, read_view
from backend.reference.contact import display_phone
from backend.reference.national_number import (
    NationalNumberError,
    format_national_number,
    parse_national_number,
)
from backend.texts import service as texts
from backend.texts.schemas import Block, Span

Language = Literal["nl", "en"]

NoAgreement = error(
    409, "no_agreement", "The pupil is not accepted by a service: there is no agreement"
)
ReasonRequired = error(
    422, "reason_required", "The admin reads a pupil's personal data only with a reason"
)

# Building a PDF is CPU work: in worker threads, a few at a time, never on the event loop.
_BUILDERS = anyio.CapacityLimiter(2)
ENCODING = "windows-1252"
# Letters without a decomposition into a plain letter and an accent.
_NEAREST = str.maketrans(
    {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T"}
)

MONTHS = {
    "nl": (
        *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
        *("september", "oktober", "november", "december"),
    ),
    "en": (
        *("January", "February", "March", "April", "May", "June", "July", "August"),
        *("September", "October", "November", "December"),
    ),
}
# The document's own words; the agreement's text itself is the admin's (texts/defaults).
WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Overeenkomst voor een werkplek in de gezinszorg",
        "subtitle": "{track}, schooljaar {school_year}; aanvaard op {accepted_date}",
        "parties": "De partijen",
        "pupil": "De leerling",
        "school": "De school",
        "service": "De dienst voor gezinszorg",
        "placement": "De werkplek",
        "name": "Naam",
        "national_number": "Rijksregisternummer",
        "birth_date": "Geboortedatum",
        "address": "Adres",
        "phone": "Telefoon",
        "email": "E-mailadres",
        "place": "Gemeente",
        "supervisor": "Werkplekbegeleider",
        "contact": "Contactpersoon",
        "period": "Periode",
        "period_value": "van {start_date} tot {end_date}",
        "hours": "Uren per week",
        "days": "Dagen",
        "form": "Vorm",
        "track": "Traject",
        "school_year": "Schooljaar",
        "agreed": "Af te spreken",
        "and": "en",
        "signatures": "Handtekeningen",
        "sign_school": "Voor de school",
        "sign_service": "Voor de dienst",
        "sign_pupil": "De leerling of een ouder",
        "sign_name": "Naam",
        "sign_date": "Datum",
        "sign_here": "Handtekening",
        "footer": "Opgemaakt met Stagematch op {today}. Pagina {page} van {pages}",
        "file": "overeenkomst",
    },
    "en": {
        "title": "Placement agreement in family care",
        "subtitle": "{track}, school year {school_year}; accepted on {accepted_date}",
        "parties": "The parties",
        "pupil": "The pupil",
        "school": "The school",
        "service": "The family care service",
        "placement": "The placement",
        "name": "Name",
        "national_number": "National register number",
        "birth_date": "Date of birth",
        "address": "Address",
        "phone": "Phone",
        "email": "E-mail address",
        "place": "Town",
        "supervisor": "Supervisor",
        "contact": "Contact person",
        "period": "Period",
        "period_value": "from {start_date} to {end_date}",
        "hours": "Hours per week",
        "days": "Days",
        "form": "Form",
        "track": "Track",
        "school_year": "School year",
        "agreed": "To be agreed",
        "and": "and",
        "signatures": "Signatures",
        "sign_school": "For the school",
        "sign_service": "For the service",
        "sign_pupil": "The pupil or a parent",
        "sign_name": "Name",
        "sign_date": "Date",
        "sign_here": "Signature",
        "footer": "Drawn up with Stagematch on {today}. Page {page} of {pages}",
        "file": "agreement",
    },
}
NONE = "–"


@dataclass(frozen=True, slots=True)
class Document:
    """What the PDF shows, every value already a string in the document's language."""

    language: Language
    values: dict[str, str]  # the template's placeholders, filled
    sections: list[tuple[str, list[tuple[str, str]]]]  # heading, (label, value) rows
    text: list[Block]  # the admin's agreement text, filled in
    signatures: list[tuple[str, str]]  # whose place, the name printed under it


@dataclass(frozen=True, slots=True)
class Agreement:
    filename: str
    content: bytes


# --- the values ---------------------------------------------------------------------------


def _day(value: date | datetime | None, language: Language) -> str:
    if value is None:
        return NONE
    if isinstance(value, datetime):
        value = value.astimezone(clock.BRUSSELS).date()
    return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"


def _listing(items: list[str], language: Language) -> str:
    """'a', 'a en b', 'a, b en c'."""
    if len(items) <= 1:
        return items[0] if items else NONE
    return f"{', '.join(items[:-1])} {WORDS[language]['and']} {items[-1]}"


def _phone(raw: str | None) -> str:
    return display_phone(raw, international=False) if raw else NONE


def _birth_date(digits: str, view: RequestView) -> date | None:
    """From the national number, when it holds the whole date (a bis number may not)."""
    try:
        number = parse_national_number(digits, reference_date=view.campaign.opens_at.date())
    except NationalNumberError:
        return None
    return number.birth_date


def _values(
    view: RequestView,
    acceptance: AcceptanceView,
    school: Organisation | None,
    service: Organisation | None,
    language: Language,
) -> dict[str, str]:
    """Every placeholder of the agreement's text (texts.AGREEMENT_PLACEHOLDERS)."""
    w = WORDS[language]
    digits = crypto.decrypt(view.national_number_encrypted)
    supervisor = view.supervisor
    period_known = view.start_date is not None
    values = {
        "pupil_name": f"{view.first_name} {view.last_name}",
        "pupil_first_name": view.first_name,
        "pupil_last_name": view.last_name,
        "national_number": format_national_number(digits),
        "birth_date": _day(_birth_date(digits, view), language),
        "pupil_address": f"{view.street}, {view.postcode} {view.city}",
        "pupil_phone": _phone(view.phone),
        "pupil_email": view.email or NONE,
        "school_name": view.school.name,
        "supervisor_name": f"{supervisor.first_name} {supervisor.last_name}",
        "supervisor_phone": _phone(supervisor.phone),
        "supervisor_email": supervisor.email,
        "service_name": acceptance.service.name,
        "contact_name": acceptance.contact_name,
        "contact_phone": _phone(acceptance.contact_phone),
        "contact_email": acceptance.contact_email,
        "start_date": _day(view.start_date, language) if period_known else w["agreed"],
        "end_date": _day(view.end_date, language) if period_known else w["agreed"],
        "hours_per_week": str(view.hours_per_week),
        "days": _listing(words.words("days", view.days, language), language),
        "form": words.word("form", view.form, language) or NONE,
        "track": words.word("track", view.campaign.track.value, language) or NONE,
        "school_year": view.campaign.school_year,
        "accepted_date": _day(acceptance.accepted_at, language),
        "today": _day(clock.now(), language),
    }
    values["_school_place"] = (
        f"{school.postcode or ''} {school.city or ''}".strip() if school else ""
    ) or NONE
    values["_service_place"] = (
        f"{service.postcode or ''} {service.city or ''}".strip() if service else ""
    ) or NONE
    return values


def _document(
    view: RequestView,
    acceptance: AcceptanceView,
    school: Organisation | None,
    service: Organisation | None,
    template: str,
    language: Language,
) -> Document:
    w = WORDS[language]
    v = _values(view, acceptance, school, service, language)
    placement = [
        (w["period"], w["period_value"].format_map(v)),
        (w["hours"], v["hours_per_week"]),
        (w["days"], v["days"]),
    ]
    if view.form is not None:  # duaal only
        placement.append((w["form"], v["form"]))
    placement += [(w["track"], v["track"]), (w["school_year"], v["school_year"])]
    sections = [
        (
            w["pupil"],
            [
                (w["name"], v["pupil_name"]),
                (w["national_number"], v["national_number"]),
                (w["birth_date"], v["birth_date"]),
                (w["address"], v["pupil_address"]),
                (w["phone"], v["pupil_phone"]),
                (w["email"], v["pupil_email"]),
            ],
        ),
        (
            w["school"],
            [
                (w["name"], v["school_name"]),
                (w["place"], v["_school_place"]),
                (
                    w["supervisor"],
                    f"{v['supervisor_name']}, {v['supervisor_phone']}, {v['supervisor_email']}",
                ),
            ],
        ),
        (
            w["service"],
            [
                (w["name"], v["service_name"]),
                (w["place"], v["_service_place"]),
                (w["contact"], f"{v['contact_name']}, {v['contact_phone']}, {v['contact_email']}"),
            ],
        ),
        (w["placement"], placement),
    ]
    public = {k: value for k, value in v.items() if not k.startswith("_")}
    return Document(
        language=language,
        values=public,
        sections=sections,
        text=texts.fill(template, public),
        signatures=[
            (w["sign_school"], v["school_name"]),
            (w["sign_service"], v["service_name"]),
            (w["sign_pupil"], v["pupil_name"]),
        ],
    )


# --- the PDF ------------------------------------------------------------------------------


def printable(text: str) -> str:
    """`text` in the core fonts' Windows-1252: every letter it holds stays as it is; any other
    loses its accent (NFKD), or becomes its nearest plain letter, or at last `?`. Control
    characters become spaces."""
    out = []
    for char in text:
        if char in "\t\r\n" or unicodedata.category(char) == "Cc":
            out.append(" ")
            continue
        try:
            char.encode(ENCODING)
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        plain = "".join(
            c
            for c in unicodedata.normalize("NFKD", char.translate(_NEAREST))
            if not unicodedata.combining(c)
        )
        try:
            plain.encode(ENCODING)
            out.append(plain or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


class _Pdf(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self._footer = footer

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        text = self._footer.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}")
        self.cell(0, 6, printable(text), align="C")
        self.set_text_color(0, 0, 0)


def _spans(spans: list[Span]) -> str:
    return printable("".join(span.text for span in spans))


def render_pdf(document: Document) -> bytes:
    """The agreement as PDF bytes (CPU work: run it in a worker thread)."""
    w = WORDS[document.language]
    v = document.values
    pdf = _Pdf(w["footer"].replace("{today}", v["today"]))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(printable(w["title"]))
    pdf.set_creator("Stagematch")
    pdf.set_lang("nl-BE" if document.language == "nl" else "en")
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(width, 8, printable(w["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(width, 6, printable(w["subtitle"].format_map(v)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(width, 8, printable(w["parties"]), new_x="LMARGIN", new_y="NEXT")
    for heading, rows in document.sections:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(width, 7, printable(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        with pdf.table(
            col_widths=(45, width - 45),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=5.5,
            padding=1,
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(printable(label))
                row.cell(printable(value))
        pdf.ln(2)

    pdf.ln(2)
    for block in document.text:
        if block.kind in ("heading", "subheading"):
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 13 if block.kind == "heading" else 11)
            pdf.multi_cell(width, 7, _spans(block.spans), new_x="LMARGIN", new_y="NEXT")
        elif block.kind == "list":
            pdf.set_font("Helvetica", "", 10)
            for item in block.items:
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(
                    width - 4, 5.5, f"\u2022 {_spans(item)}", new_x="LMARGIN", new_y="NEXT"
                )
            pdf.ln(1.5)
        else:
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(width, 5.5, _spans(block.spans), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)

    # The places to sign stay together on one page.
    if pdf.get_y() > pdf.h - 20 - 80:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(width, 8, printable(w["signatures"]), new_x="LMARGIN", new_y="NEXT")
    column = (width - 2 * 6) / 3
    top = pdf.get_y()
    for index, (whose, name) in enumerate(document.signatures):
        x = pdf.l_margin + index * (column + 6)
        pdf.set_xy(x, top)
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(column, 5.5, printable(whose), new_x="LEFT", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(
            column, 5, printable(f"{w['sign_name']}: {name}"), new_x="LEFT", new_y="NEXT"
        )
        pdf.cell(column, 6, printable(f"{w['sign_date']}:"), new_x="LEFT", new_y="NEXT")
        pdf.cell(column, 6, printable(f"{w['sign_here']}:"), new_x="LEFT", new_y="NEXT")
        pdf.rect(x, pdf.get_y(), column, 24)
    pdf.alias_nb_pages()
    return bytes(pdf.output())


def filename(view: RequestView, language: Language) -> str:
    """`overeenkomst-unal-celik.pdf`: ASCII letters, digits and dashes only, safe in any
    Content-Disposition."""
    ascii_name = (
        unicodedata.normalize("NFKD", f"{view.first_name} {view.last_name}".translate(_NEAREST))
        .encode("ascii", "ignore")
        .decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return f"{WORDS[language]['file']}-{slug or view.id}.pdf"


# --- who may have it ------------------------------------------------------------------------


def may_download(actor: Actor, view: RequestView) -> bool:
    """Whether the agreement is the viewer's to download without more: the owning school and
    the accepting service while the pupil is accepted (the admin needs a reason)."""
    acceptance = view.live_acceptance
    if acceptance is None or not view.has_agreement:
        return False
    if actor.role == OrganisationKind.school:
        return view.school.id == actor.organisation_id
    if actor.role == OrganisationKind.service:
        return acceptance.service.id == actor.organisation_id
    return False


async def agreement(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    language: Language | None,
    reason: str | None,
    client_address: str | None,
) -> Agreement:
    """The filled-in agreement of an accepted pupil: for its accepting service and its school;
    for the admin with a reason. Any other service, a service that released the pupil, another
    school: 404, as for a request that does not exist. The school (or the admin) asking before
    an acceptance: 409 `no_agreement`. Audited; a disclosure unless the school reads it."""
    view = await read_view(session, actor, request_id)
    acceptance = view.live_acceptance
    if actor.role == OrganisationKind.service and not may_download(actor, view):
        raise NotFound("No such placement request")
    if actor.is_admin and reason is None:
        raise ReasonRequired("Give a reason (`reason`) to read the agreement: it is audited")
    if acceptance is None or not view.has_agreement:
        raise NoAgreement("The pupil is not accepted, or its data were erased: no agreement")
    language = language or ("en" if actor.user.language == "en" else "nl")

    organisations = {
        o.id: o
        for o in await session.scalars(
            select(Organisation).where(Organisation.id.in_([view.school.id, acceptance.service.id]))
        )
    }
    template = await texts.current(session, "agreement", language)
    document = _document(
        view,
        acceptance,
        organisations.get(view.school.id),
        organisations.get(acceptance.service.id),
        template,
        language,
    )
    content = await anyio.to_thread.run_sync(render_pdf, document, limiter=_BUILDERS)

    # The admin's reason is kept; nobody else gives one.
    details: dict[str, Any] = {"language": language}
    if actor.is_admin:
        details["reason"] = reason
    audit.record(
        session,
        "agreement_downloaded",
        actor=actor,
        object_type="placement_request",
        object_id=view.id,
        client_address=client_address,
        **details,
    )
    if actor.role != OrganisationKind.school:
        fields = disclosed_fields(
            {
                "national_number": document.values["national_number"],
                "phone": view.phone,
                "email": view.email,
                "street": view.street,
            }
        )
        await record_disclosure(
            session,
            actor,
            {view.id: fields},
            Via.agreement,
            reason if actor.is_admin else None,
        )
    return Agreement(filename=filename(view, language), content=content)

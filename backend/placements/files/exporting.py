"""The downloads: the school's overview, the pupils a care service accepted, and the
import's empty template."""

from typing import Any

from backend import crypto, tabular
from backend.clock import BRUSSELS
from backend.placements.files.importing import COLUMNS
from backend.placements.models import (
    PlacementRequest,
)
from backend.placements.reading.present import live_acceptance, status_of
from backend.reference.national_number import format_national_number

EXPORT_COLUMNS = (
    "status",
    "track",
    "school_year",
    "first_name",
    "last_name",
    "national_number",
    "street",
    "postcode",
    "city",
    "province",
    "phone",
    "email",
    "transport_modes",
    "remarks",
    "supervisor",
    "supervisor_email",
    "start_date",
    "end_date",
    "hours_per_week",
    "days",
    "form",
    "invited_by",
    "accepted_by",
    "acceptance_notes",
    "contact_person",
    "contact_phone",
    "contact_email",
    "created_at",
)


def export_row(request: PlacementRequest) -> list[Any]:
    """One line of the school's own overview (its own pupils: the national number in full)."""
    accepted = live_acceptance(request)
    inviting = [i.service.name for i in request.invitations if i.outcome.value == "pending"]
    return [
        status_of(request),
        request.campaign.track.value,
        request.campaign.school_year,
        request.first_name,
        request.last_name,
        format_national_number(crypto.decrypt(request.national_number_encrypted)),
        request.street,
        request.postcode,
        request.city,
        request.province,
        request.phone,
        request.email,
        request.transport_modes,
        request.remarks,
        f"{request.supervisor.first_name} {request.supervisor.last_name}",
        request.supervisor.email,
        request.start_date,
        request.end_date,
        request.hours_per_week,
        request.days,
        request.form,
        inviting,
        accepted.service.name if accepted else None,
        accepted.notes if accepted else None,
        accepted.contact_name if accepted else None,
        accepted.contact_phone if accepted else None,
        accepted.contact_email if accepted else None,
        request.created_at.astimezone(BRUSSELS),
    ]


ACCEPTED_COLUMNS = [
    "school_year",
    "track",
    "first_name",
    "last_name",
    "national_number",
    "street",
    "postcode",
    "city",
    "province",
    "phone",
    "email",
    "school",
    "supervisor",
    "supervisor_phone",
    "supervisor_email",
    "start_date",
    "end_date",
    "hours_per_week",
    "days",
    "form",
    "accepted_at",
    "contact_person",
]


def accepted_row(shown: dict[str, Any]) -> list[Any]:
    # Built from what the service may see (the presented request), never from the row.
    campaign = shown.get("campaign") or {}
    school = shown.get("school") or {}
    supervisor = shown.get("supervisor") or {}
    acceptance = shown.get("acceptance") or {}
    contact = acceptance.get("contact_person") or {}
    supervisor_name = " ".join(
        p for p in (supervisor.get("first_name"), supervisor.get("last_name")) if p
    )
    return [
        campaign.get("school_year"),
        shown.get("track") or campaign.get("track"),
        shown.get("first_name"),
        shown.get("last_name"),
        shown.get("national_number"),
        shown.get("street"),
        shown.get("postcode"),
        shown.get("city"),
        shown.get("province"),
        shown.get("phone"),
        shown.get("email"),
        school.get("name"),
        supervisor_name,
        supervisor.get("phone"),
        supervisor.get("email"),
        shown.get("start_date"),
        shown.get("end_date"),
        shown.get("hours_per_week"),
        shown.get("days"),
        shown.get("form"),
        acceptance.get("accepted_at"),
        contact.get("name"),
    ]


def template(fmt: str):
    """The empty template (the header row) to fill in."""

    return tabular.download(fmt, "aanvragen-sjabloon", COLUMNS, [])

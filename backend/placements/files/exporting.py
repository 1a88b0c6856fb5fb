"""The downloads: the school's overview, the pupils a care service accepted, and the
import's empty template. Lines hold codes and dates; `words.table` puts them in the
user's language."""

from datetime import date, datetime
from typing import Any

from backend.clock import BRUSSELS
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


def _day(text: str | None) -> date | None:
    # Dates and moments go back to their type, so that a spreadsheet holds real dates.
    return date.fromisoformat(text) if text else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(BRUSSELS) if text else None


def _full_name(person: dict[str, Any]) -> str:
    return " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)


def export_row(shown: dict[str, Any]) -> list[Any]:
    """One line of the school's own overview, from the request as the school sees it
    (`present`): its own pupils, the national number in full."""
    accepted = shown.get("acceptance") or {}
    contact = accepted.get("contact_person") or {}
    inviting = [
        i["service"]["name"] for i in shown.get("invitations", ()) if i["outcome"] == "pending"
    ]
    national_number = shown.get("national_number")
    return [
        shown["status"],
        shown["track"],
        shown["campaign"]["school_year"],
        shown["first_name"],
        shown["last_name"],
        format_national_number(national_number) if national_number else None,
        shown.get("street"),
        shown["postcode"],
        shown["city"],
        shown["province"],
        shown.get("phone"),
        shown.get("email"),
        shown["transport_modes"],
        shown["remarks"],
        _full_name(shown["supervisor"]),
        shown["supervisor"]["email"],
        _day(shown["start_date"]),
        _day(shown["end_date"]),
        shown["hours_per_week"],
        shown["days"],
        shown["form"],
        inviting,
        accepted.get("service", {}).get("name"),
        accepted.get("notes"),
        contact.get("name"),
        contact.get("phone"),
        contact.get("email"),
        _moment(shown["created_at"]),
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
    """One line of a service's accepted pupils, from what the service may see (`present`),
    never from the row."""
    campaign = shown.get("campaign") or {}
    school = shown.get("school") or {}
    supervisor = shown.get("supervisor") or {}
    acceptance = shown.get("acceptance") or {}
    contact = acceptance.get("contact_person") or {}
    supervisor_name = _full_name(supervisor)
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
        _day(shown.get("start_date")),
        _day(shown.get("end_date")),
        shown.get("hours_per_week"),
        shown.get("days"),
        shown.get("form"),
        _moment(acceptance.get("accepted_at")),
        contact.get("name"),
    ]

"""The domain rules of a placement request's fields (SPEC section 4), every error collected:
what Pydantic cannot know (check digits, an existing postcode, the school's own supervisor,
rules between fields). Returns the values as they are stored."""

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.deps import Actor
from backend.campaigns.models import Campaign, Track
from backend.clock import BRUSSELS
from backend.errors import FieldError
from backend.placements.schemas import DAYS, TRANSPORT_MODES
from backend.reference.contact import normalize_contact
from backend.reference.national_number import NationalNumberError, parse_national_number
from backend.reference.postcodes import PROVINCES, lookup_postcode
from backend.supervisors.models import Supervisor

REQUIRED = (
    "first_name",
    "last_name",
    "national_number",
    "street",
    "postcode",
    "city",
    "phone",
    "email",
    "transport_modes",
    "supervisor_id",
    "hours_per_week",
    "days",
)


def _err(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


async def own_supervisor_ids(session: AsyncSession, school_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        await session.scalars(select(Supervisor.id).where(Supervisor.school_id == school_id))
    )


def field_errors(
    values: dict[str, Any],
    *,
    campaign: Campaign,
    supervisor_ids: Collection[uuid.UUID],
    check_national_number: bool = True,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The values normalized for storage, and every field error found."""
    out = dict(values)
    errors = [_err(f, "required", "Required") for f in REQUIRED if out.get(f) in (None, "", [])]
    if check_national_number and out.get("national_number"):
        errors += _national_number(out, campaign)
    if out.get("postcode"):
        errors += _place(out)
    errors += normalize_contact(out)
    if out.get("transport_modes"):
        chosen = set(out["transport_modes"])
        out["transport_modes"] = [m for m in TRANSPORT_MODES if m in chosen]
    if out.get("days"):
        chosen = set(out["days"])
        out["days"] = [d for d in DAYS if d in chosen]
    if out.get("supervisor_id") and out["supervisor_id"] not in supervisor_ids:
        # A field error, not a 404: the id of another school's supervisor reveals nothing.
        errors.append(_err("supervisor_id", "unknown_supervisor", "Not a supervisor of the school"))
    return out, errors + _dates(out) + _form(out, campaign)


def _national_number(out: dict[str, Any], campaign: Campaign) -> list[dict[str, str]]:
    """Normalizes the national number to its 11 digits; the age rule counts on the
    campaign's opening day, in Brussels."""
    try:
        parsed = parse_national_number(
            out["national_number"],
            reference_date=campaign.opens_at.astimezone(BRUSSELS).date(),
        )
    except NationalNumberError as exc:
        return [_err("national_number", exc.code, str(exc))]
    out["national_number"] = parsed.digits
    return []


def _place(out: dict[str, Any]) -> list[dict[str, str]]:
    """The postcode must exist; it decides the province (a different one given is an error)
    and the coordinates the distance filter uses."""
    info = lookup_postcode(out["postcode"])
    if info is None:
        return [_err("postcode", "unknown_postcode", "Not an existing Belgian postcode")]
    errors = []
    given = out.get("province")
    if given and given != info.province:
        where = f"{PROVINCES[info.province]['nl']} ({info.province})"
        errors.append(
            _err("province", "province_mismatch", f"Postcode {info.code} lies in {where}")
        )
    out["province"] = info.province
    out["latitude"], out["longitude"] = info.latitude, info.longitude
    return errors


def _dates(out: dict[str, Any]) -> list[dict[str, str]]:
    """Both dates or neither, the end not before the start."""
    start, end = out.get("start_date"), out.get("end_date")
    if (start is None) != (end is None):
        missing = "end_date" if end is None else "start_date"
        return [_err(missing, "dates_incomplete", "Give both dates or neither")]
    if start is not None and end < start:
        return [_err("end_date", "end_before_start", "The end date is before the start")]
    return []


def _form(out: dict[str, Any], campaign: Campaign) -> list[dict[str, str]]:
    """Duaal needs a form (block or alternating); a stage request has none."""
    if campaign.track == Track.duaal and not out.get("form"):
        return [_err("form", "required", "Required for duaal: block or alternating")]
    if campaign.track == Track.stage and out.get("form") is not None:
        return [_err("form", "not_allowed", "A stage request has no form")]
    return []


async def validate(
    session: AsyncSession,
    actor: Actor,
    campaign: Campaign,
    values: dict[str, Any],
    *,
    check_national_number: bool = True,
) -> dict[str, Any]:
    """The values normalized for storage; a 422 listing every field error otherwise."""
    out, errors = field_errors(
        values,
        campaign=campaign,
        supervisor_ids=await own_supervisor_ids(session, actor.organisation_id),
        check_national_number=check_national_number,
    )
    if errors:
        raise FieldError(errors)
    return out

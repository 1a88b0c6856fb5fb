"""Phone numbers (to E.164, and back for people) and e-mail addresses (to their normalized
form)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class ContactError(ValueError):
    """A phone number or e-mail address that is not valid; `code` names which."""

    code: str


class PhoneError(ContactError):
    """A phone number that cannot be parsed or is not a valid number."""

    code = "invalid_phone"


class EmailError(ContactError):
    """An e-mail address that is not syntactically valid."""

    code = "invalid_email"


def normalize_phone(raw: str, region: str = "BE") -> str:
    """Parse a national or international number and return it as E.164 (+32…)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError("not a phone number") from exc
    # is_valid_number checks length and prefix against the numbering plan, not just the shape.
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parsed(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def display_phone(raw: str, international: bool, region: str = "BE") -> str:
    """A stored number (E.164, or as typed) written for people: nationally for a reader in
    `region` ("059 12 34 56"), else internationally ("+32 59 12 34 56"). A number that does not
    parse is shown as it is."""
    number = _parsed(raw, region)
    if number is None:
        return raw
    national = not international and phonenumbers.region_code_for_number(number) == region
    return phonenumbers.format_number(
        number,
        phonenumbers.PhoneNumberFormat.NATIONAL
        if national
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    )


def phone_uri(raw: str, region: str = "BE") -> str | None:
    """The `tel:` URI of a number (RFC 3966, "tel:+32-59-12-34-56"), None when it does not
    parse."""
    number = _parsed(raw, region)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)


# No address is longer (RFC 5321's 254, with room for spaces around it); the check comes
# first, because validating costs time in proportion to the text (an imported cell can be
# 128 KB).
MAX_EMAIL_LENGTH = 320


def normalize_email(raw: str) -> str:
    """Validate the syntax (no DNS lookup) and return the normalized address."""
    if len(raw) > MAX_EMAIL_LENGTH:
        raise EmailError(f"longer than {MAX_EMAIL_LENGTH} characters")
    try:
        # Deliverability needs DNS, which is slow and unavailable offline; syntax is enough here.
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise EmailError(str(exc)) from exc


_NORMALIZERS: dict[str, tuple[Callable[[str], str], type[ContactError]]] = {
    "phone": (normalize_phone, PhoneError),
    "email": (normalize_email, EmailError),
}


def normalize_contact(values: dict[str, Any]) -> list[dict[str, str]]:
    """Normalizes the `phone` and `email` of `values` in place (when given) and returns the
    field errors (`{field, code, message}`) of those that are not valid."""
    errors = []
    for field, (normalize, problem) in _NORMALIZERS.items():
        if values.get(field):
            try:
                values[field] = normalize(values[field])
            except problem as exc:
                errors.append({"field": field, "code": problem.code, "message": str(exc)})
    return errors

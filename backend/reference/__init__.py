"""Pure Belgian reference data: national register numbers, postcodes, phone numbers, e-mail."""

from backend.reference.contact import EmailError, PhoneError, normalize_email, normalize_phone
from backend.reference.national_number import (
    NationalNumber,
    NationalNumberError,
    compute_check_digits,
    format_national_number,
    make_national_number,
    mask_national_number,
    normalize_national_number,
    parse_national_number,
)
from backend.reference.postcodes import (
    PROVINCES,
    Municipality,
    PostcodeInfo,
    distance_km,
    lookup_postcode,
)

__all__ = [
    "PROVINCES",
    "EmailError",
    "Municipality",
    "NationalNumber",
    "NationalNumberError",
    "PhoneError",
    "PostcodeInfo",
    "compute_check_digits",
    "distance_km",
    "format_national_number",
    "lookup_postcode",
    "make_national_number",
    "mask_national_number",
    "normalize_email",
    "normalize_national_number",
    "normalize_phone",
    "parse_national_number",
]

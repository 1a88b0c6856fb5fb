"""Belgian national register numbers (rijksregisternummer) and bis numbers, YYMMDDSSSCC."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_SEPARATORS = re.compile(r"[.\-\s]")
_ASCII_DIGITS = re.compile(r"[0-9]*")

# Bis numbers add 20 to the month when the gender is unknown, 40 when it is known.
_BIS_OFFSETS = (40, 20)


class NationalNumberError(ValueError):
    """A national number that is malformed or implausible; `code` is a stable machine key."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NationalNumber:
    """A validated national number; `birth_date` is None when its month or day is unknown."""

    digits: str
    birth_date: date | None
    is_bis: bool
    century: int

    @property
    def birth_year(self) -> int:
        """The four-digit birth year."""
        return self.century + int(self.digits[:2])


def normalize_national_number(raw: str) -> str:
    """Strip dots, dashes and whitespace; what remains must be exactly 11 ASCII digits."""
    digits = _SEPARATORS.sub("", raw)
    # str.isdigit() would accept other scripts' digits, which int() then silently converts.
    if not _ASCII_DIGITS.fullmatch(digits):
        raise NationalNumberError("not_digits", "national number may only contain digits")
    if len(digits) != 11:
        raise NationalNumberError("wrong_length", "national number must have 11 digits")
    return digits


def compute_check_digits(first_nine: str, *, century: int) -> str:
    """Check digits = 97 - (first nine digits mod 97), with "2" prefixed for births in 2000+."""
    base = int(("2" if century == 2000 else "") + first_nine)
    return f"{97 - base % 97:02d}"


def _centuries_matching_check_digits(digits: str) -> list[int]:
    # 2_000_000_000 mod 97 != 0, so at most one century matches; the age check still picks
    # among the candidates rather than relying on that.
    return [c for c in (1900, 2000) if compute_check_digits(digits[:9], century=c) == digits[9:]]


def _birth_span(year: int, month: int, day: int) -> tuple[date, date]:
    """Earliest and latest possible birth date; unknown (00) parts widen the span."""
    if month == 0:
        return date(year, 1, 1), date(year, 12, 31)
    if day == 0:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    born = date(year, month, day)
    return born, born


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def parse_national_number(
    raw: str, *, reference_date: date, min_age: int = 14, max_age: int = 30
) -> NationalNumber:
    """Validate a national or bis number and the plausibility of its birth date and age."""
    digits = normalize_national_number(raw)
    centuries = _centuries_matching_check_digits(digits)
    if not centuries:
        raise NationalNumberError("bad_check_digits", "national number check digits are wrong")

    yy, raw_month, day = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    month, is_bis = raw_month, False
    for offset in _BIS_OFFSETS:
        if raw_month >= offset:
            month, is_bis = raw_month - offset, True
            break
    if month > 12 or day > 31:
        raise NationalNumberError("impossible_date", "national number holds no valid date")
    if not 1 <= int(digits[6:9]) <= 998:
        raise NationalNumberError("bad_counter", "national number counter must be 001-998")

    spans: list[tuple[int, date, date]] = []
    for century in centuries:
        try:
            spans.append((century, *_birth_span(century + yy, month, day)))
        except ValueError:
            # Both month and day are known but do not form a calendar date (e.g. 30 February).
            continue
    if not spans:
        raise NationalNumberError("impossible_date", "national number holds no valid date")
    # Age falls as the birth date moves later, so a span covers every age between its two ends;
    # an unknown month or day gets the benefit of the doubt if any age in it fits.
    plausible = [
        century
        for century, earliest, latest in spans
        if _age_on(latest, reference_date) <= max_age
        and _age_on(earliest, reference_date) >= min_age
    ]
    if not plausible:
        raise NationalNumberError("implausible_age", "age is outside the accepted range")

    century = plausible[0]
    birth_date = date(century + yy, month, day) if month and day else None
    return NationalNumber(digits=digits, birth_date=birth_date, is_bis=is_bis, century=century)


def format_national_number(digits: str) -> str:
    """Format as YY.MM.DD-SSS.CC."""
    d = normalize_national_number(digits)
    return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"


def mask_national_number(digits: str) -> str:
    """Format as YY.MM.DD-***.** so exports reveal only the (already derivable) birth date."""
    d = normalize_national_number(digits)
    return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-***.**"


def make_national_number(birth: date, counter: int, bis: int = 0) -> str:
    """Build the 11 digits for a birth date, counter and bis offset (0, 20 or 40)."""
    if bis not in (0, 20, 40):
        raise ValueError("bis offset must be 0, 20 or 40")
    if not 1900 <= birth.year <= 2099:
        raise ValueError("national numbers encode births from 1900 to 2099")
    if not 0 <= counter <= 999:
        # 000 and 999 are allowed here so tests can build numbers that parse must reject.
        raise ValueError("counter must fit in three digits")
    first_nine = f"{birth.year % 100:02d}{birth.month + bis:02d}{birth.day:02d}{counter:03d}"
    century = 2000 if birth.year >= 2000 else 1900
    return first_nine + compute_check_digits(first_nine, century=century)

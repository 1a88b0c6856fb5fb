from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.reference.national_number import (
    NationalNumberError,
    compute_check_digits,
    format_national_number,
    make_national_number,
    mask_national_number,
    normalize_national_number,
    parse_national_number,
)

REF = date(2026, 9, 1)


def parse(raw: str, **kwargs):
    return parse_national_number(raw, reference_date=REF, **kwargs)


def raw_number(first_nine: str, century: int) -> str:
    """Digits with correct check digits, for birth dates make_national_number cannot express."""
    return first_nine + compute_check_digits(first_nine, century=century)


def error_code(raw: str, **kwargs) -> str:
    with pytest.raises(NationalNumberError) as info:
        parse(raw, **kwargs)
    return info.value.code


# -- known values ---------------------------------------------------------------------------


def test_known_check_digits_1900s_and_2000s():
    # 85.07.30-033: 850730033 mod 97 = 69 -> 28; with the 2000+ prefix the check is different.
    assert compute_check_digits("850730033", century=1900) == "28"
    assert compute_check_digits("050730033", century=2000) == f"{97 - 2050730033 % 97:02d}"


def test_born_1999():
    number = make_national_number(date(1999, 3, 15), 123)
    parsed = parse(number)
    assert parsed.century == 1900
    assert parsed.birth_date == date(1999, 3, 15)
    assert parsed.birth_year == 1999
    assert not parsed.is_bis


def test_born_2005_uses_the_2000_prefix():
    number = make_national_number(date(2005, 11, 2), 57)
    assert number[9:] == compute_check_digits(number[:9], century=2000)
    assert number[9:] != compute_check_digits(number[:9], century=1900)
    parsed = parse(number)
    assert parsed.century == 2000
    assert parsed.birth_date == date(2005, 11, 2)


def test_2005_digits_with_1900_check_digits_is_a_1905_birth_and_too_old():
    first_nine = make_national_number(date(2005, 11, 2), 57)[:9]
    assert error_code(raw_number(first_nine, 1900)) == "implausible_age"


@pytest.mark.parametrize("bis", [20, 40])
def test_bis_numbers(bis):
    number = make_national_number(date(2008, 6, 30), 5, bis=bis)
    assert int(number[2:4]) == 6 + bis
    parsed = parse(number)
    assert parsed.is_bis
    assert parsed.birth_date == date(2008, 6, 30)


@pytest.mark.parametrize("month_day", ["0000", "0012", "0500", "2000", "4000", "2500"])
def test_unknown_month_or_day(month_day):
    parsed = parse(raw_number(f"08{month_day}123", 2000))
    assert parsed.birth_date is None
    assert parsed.birth_year == 2008
    assert parsed.is_bis == (int(month_day[:2]) >= 20)


def test_unknown_month_gets_the_most_favourable_date_in_the_year():
    # Turns 14 during 2026 (after the reference date at the latest): month unknown, so accepted.
    assert parse(raw_number("120000100", 2000)).birth_date is None
    # A known December 2012 birth is still 13 on 1 September 2026.
    assert error_code(make_national_number(date(2012, 12, 1), 100)) == "implausible_age"
    # Unknown day in December 2012: every day of that month is too young.
    assert error_code(raw_number("121200100", 2000)) == "implausible_age"
    # Unknown day in August 2012: 1 August makes the pupil 14.
    assert parse(raw_number("120800100", 2000)).birth_date is None


def test_formatting_accepted():
    number = make_national_number(date(2007, 4, 9), 321)
    formatted = format_national_number(number)
    assert formatted == f"07.04.09-321.{number[9:]}"
    assert parse(formatted).digits == number
    assert parse(f" {number[:6]} {number[6:9]} {number[9:]} ").digits == number
    assert parse(f"{number[:6]}-{number[6:]}").digits == number


def test_mask():
    number = make_national_number(date(2007, 4, 9), 321)
    assert mask_national_number(number) == "07.04.09-***.**"
    assert mask_national_number(format_national_number(number)) == "07.04.09-***.**"


# -- rejections -----------------------------------------------------------------------------


def test_bad_check_digits():
    number = make_national_number(date(2007, 4, 9), 321)
    wrong = f"{(int(number[9:]) % 97) + 1:02d}"
    assert error_code(number[:9] + wrong) == "bad_check_digits"


@pytest.mark.parametrize(
    "raw", ["07040932I12", "abc", "0704093211x", "07/04/09 321 12", "٠٧٠٤٠٩٣٢١١٢"]
)
def test_letters_and_other_characters(raw):
    assert error_code(raw) == "not_digits"


@pytest.mark.parametrize("raw", ["", "0704093211", "070409321123", "07.04.09-321"])
def test_wrong_length(raw):
    assert error_code(raw) == "wrong_length"


def test_normalize():
    assert normalize_national_number("07.04.09-321.12") == "07040932112"


def test_february_30_rejected():
    assert error_code(raw_number("100230100", 2000)) == "impossible_date"


def test_february_29_only_in_leap_years():
    assert parse(make_national_number(date(2008, 2, 29), 1)).birth_date == date(2008, 2, 29)
    assert error_code(raw_number("090229100", 2000)) == "impossible_date"


@pytest.mark.parametrize("month_day", ["1301", "1901", "3301", "5301", "9901", "0132", "0199"])
def test_impossible_month_or_day(month_day):
    assert error_code(raw_number(f"08{month_day}123", 2000)) == "impossible_date"


@pytest.mark.parametrize("counter", [0, 999])
def test_counter_000_and_999_rejected(counter):
    assert error_code(make_national_number(date(2008, 1, 1), counter)) == "bad_counter"


def test_counter_001_and_998_accepted():
    parse(make_national_number(date(2008, 1, 1), 1))
    parse(make_national_number(date(2008, 1, 1), 998))


def test_too_young_and_too_old():
    # Just 14, and 30 the day before turning 31 (both bounds inclusive).
    parse(make_national_number(date(2012, 9, 1), 1))
    parse(make_national_number(date(1995, 9, 2), 1))
    assert error_code(make_national_number(date(2012, 9, 2), 1)) == "implausible_age"
    assert error_code(make_national_number(date(1995, 9, 1), 1)) == "implausible_age"
    assert error_code(make_national_number(date(1960, 5, 5), 1)) == "implausible_age"
    assert error_code(make_national_number(date(2020, 5, 5), 1)) == "implausible_age"


def test_age_limits_are_configurable():
    number = make_national_number(date(1960, 5, 5), 1)
    assert parse(number, max_age=70).birth_date == date(1960, 5, 5)


def test_make_national_number_rejects_bad_input():
    with pytest.raises(ValueError):
        make_national_number(date(2008, 1, 1), 1, bis=10)
    with pytest.raises(ValueError):
        make_national_number(date(2008, 1, 1), 1000)
    with pytest.raises(ValueError):
        make_national_number(date(1899, 1, 1), 1)


# -- properties -----------------------------------------------------------------------------

plausible_births = st.dates(
    min_value=REF.replace(year=REF.year - 30), max_value=REF.replace(year=REF.year - 14)
)
counters = st.integers(min_value=1, max_value=998)
bis_offsets = st.sampled_from([0, 20, 40])


@given(birth=plausible_births, counter=counters, bis=bis_offsets)
def test_make_then_parse_round_trips(birth, counter, bis):
    number = make_national_number(birth, counter, bis=bis)
    parsed = parse(number)
    assert parsed.digits == number
    assert parsed.birth_date == birth
    assert parsed.is_bis == (bis != 0)
    assert parsed.century == (2000 if birth.year >= 2000 else 1900)


@given(
    birth=plausible_births,
    counter=counters,
    position=st.integers(min_value=0, max_value=10),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_is_rejected(birth, counter, position, delta):
    # 97 is prime, so no single-digit change keeps the check for the same century; the few
    # changes that match the other century's check shift the birth by ~100 years (too old/young).
    number = make_national_number(birth, counter)
    changed_digit = str((int(number[position]) + delta) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    with pytest.raises(NationalNumberError):
        parse(changed)


@given(
    birth=plausible_births,
    counter=counters,
    separators=st.lists(st.sampled_from([".", "-", " ", ""]), min_size=12, max_size=12),
)
def test_separators_anywhere_are_accepted(birth, counter, separators):
    number = make_national_number(birth, counter)
    raw = "".join(sep + digit for sep, digit in zip(separators[:11], number, strict=True))
    raw += separators[11]
    assert parse(raw).digits == number


def test_reference_date_moves_the_window():
    number = make_national_number(date(2012, 9, 1), 1)
    with pytest.raises(NationalNumberError):
        parse_national_number(number, reference_date=REF - timedelta(days=1))

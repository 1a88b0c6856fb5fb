"""Every field rule of SPEC section 4: each bad input gives a 422 naming the field and a
code, all errors of one body at once."""

from datetime import date, timedelta

import pytest

from backend.clock import BRUSSELS
from backend.reference.national_number import compute_check_digits, make_national_number
from tests import factories
from tests.schools_helpers import REQUESTS, body, create, fields, pupil_born, ready


@pytest.fixture
async def setup(school_client, db):
    return await ready(db, school_client.account.organisation_id)


@pytest.fixture
async def stage_setup(school_client, db):
    return await ready(db, school_client.account.organisation_id, track="stage")


async def test_valid_body_is_accepted(school_client, setup):
    response = await create(school_client, setup.supervisor_id)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (lambda n: n[:9] + f"{(int(n[9:]) % 97) + 1:02d}", "bad_check_digits"),
        (lambda n: n[:4] + "AB" + n[6:], "not_digits"),
        (lambda n: n[:10], "wrong_length"),
        (lambda n: "08133" + n[5:], "bad_check_digits"),  # month 13 with stale check digits
    ],
    ids=["check-digits", "letters", "too-short", "month-13"],
)
async def test_bad_national_numbers(school_client, setup, number, code):
    response = await create(
        school_client, setup.supervisor_id, national_number=number(factories.national_number(21))
    )
    assert fields(response) == {"national_number": code}


async def test_impossible_month_with_right_check_digits(school_client, setup):
    first_nine = "081301001"
    number = first_nine + compute_check_digits(first_nine, century=2000)
    assert fields(await create(school_client, setup.supervisor_id, national_number=number)) == {
        "national_number": "impossible_date"
    }


async def test_separators_are_stripped(school_client, setup):
    n = factories.national_number(22)
    formatted = f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]} {n[9:]}"
    response = await create(school_client, setup.supervisor_id, national_number=formatted)
    assert response.status_code == 201, response.text
    assert response.json()["national_number"] == n


@pytest.mark.parametrize("bis", [20, 40])
async def test_bis_numbers_are_accepted(school_client, setup, bis):
    number = make_national_number(date(2008, 5, 17), 33, bis=bis)
    response = await create(school_client, setup.supervisor_id, national_number=number)
    assert response.status_code == 201, response.text


async def test_a_1999_birth_uses_no_century_prefix(school_client, setup):
    number = pupil_born(1999)
    assert (
        await create(school_client, setup.supervisor_id, national_number=number)
    ).status_code == 201
    # The same digits with check digits computed as for 2000+ are wrong.
    # With check digits as for 2000+ it would be a 2099 birth: refused.
    wrong = number[:9] + compute_check_digits(number[:9], century=2000)
    assert fields(await create(school_client, setup.supervisor_id, national_number=wrong)) == {
        "national_number": "implausible_age"
    }


async def test_a_2005_birth_needs_the_2_prefix(school_client, setup):
    number = pupil_born(2005)
    assert (
        await create(school_client, setup.supervisor_id, national_number=number)
    ).status_code == 201
    wrong = number[:9] + compute_check_digits(number[:9], century=1900)
    # As a 1905 birth the age is implausible, whatever the check digits say.
    assert fields(await create(school_client, setup.supervisor_id, national_number=wrong))[
        "national_number"
    ] in ("bad_check_digits", "implausible_age")


async def test_age_counts_on_the_campaign_opening(school_client, setup):
    opening = setup.campaign.opens_at.astimezone(BRUSSELS).date()
    # Turns 14 the day after the opening: not yet 14 on the opening day.
    born = date(opening.year - 14, opening.month, opening.day)
    too_young = make_national_number(born + timedelta(days=2), 5)
    assert fields(await create(school_client, setup.supervisor_id, national_number=too_young)) == {
        "national_number": "implausible_age"
    }
    too_old = pupil_born(opening.year - 32)
    assert fields(await create(school_client, setup.supervisor_id, national_number=too_old)) == {
        "national_number": "implausible_age"
    }


async def test_unknown_postcode(school_client, setup):
    assert fields(await create(school_client, setup.supervisor_id, postcode="1001")) == {
        "postcode": "unknown_postcode"
    }
    assert "postcode" in fields(await create(school_client, setup.supervisor_id, postcode="80000"))


async def test_province_contradicting_the_postcode(school_client, setup):
    assert fields(
        await create(school_client, setup.supervisor_id, postcode="8000", province="BE-VAN")
    ) == {"province": "province_mismatch"}
    # Since the 2025 merger postcode 2070 (Zwijndrecht) lies in East Flanders.
    ok = await create(
        school_client,
        setup.supervisor_id,
        postcode="2070",
        city="Zwijndrecht",
        province="BE-VOV",
        n=31,
    )
    assert ok.status_code == 201, ok.text
    derived = await create(
        school_client, setup.supervisor_id, postcode="3500", city="Hasselt", n=32
    )
    assert derived.json()["province"] == "BE-VLI"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-12-01", None, {"end_date": "dates_incomplete"}),
        (None, "2027-05-31", {"start_date": "dates_incomplete"}),
        ("2027-05-31", "2026-12-01", {"end_date": "end_before_start"}),
    ],
    ids=["start-only", "end-only", "reversed"],
)
async def test_dates_half_filled_or_reversed(school_client, setup, start, end, expected):
    response = await create(school_client, setup.supervisor_id, start_date=start, end_date=end)
    assert fields(response) == expected


async def test_no_dates_and_same_day_are_fine(school_client, setup):
    none = await create(school_client, setup.supervisor_id, start_date=None, end_date=None, n=41)
    assert none.status_code == 201, none.text
    same = await create(
        school_client, setup.supervisor_id, start_date="2027-01-04", end_date="2027-01-04", n=42
    )
    assert same.status_code == 201, same.text


@pytest.mark.parametrize("hours", [0, 41, -1])
async def test_hours_outside_1_to_40(school_client, setup, hours):
    assert set(fields(await create(school_client, setup.supervisor_id, hours_per_week=hours))) == {
        "hours_per_week"
    }


@pytest.mark.parametrize("hours", [1, 40])
async def test_hours_bounds_are_allowed(school_client, setup, hours):
    response = await create(school_client, setup.supervisor_id, hours_per_week=hours, n=50 + hours)
    assert response.status_code == 201, response.text


async def test_empty_days_and_unknown_day(school_client, setup):
    assert set(fields(await create(school_client, setup.supervisor_id, days=[]))) == {"days"}
    assert set(
        fields(await create(school_client, setup.supervisor_id, days=["mon", "maandag"]))
    ) == {"days.1"}


async def test_duaal_without_form(school_client, setup):
    assert fields(await create(school_client, setup.supervisor_id, form=None)) == {
        "form": "required"
    }
    assert set(fields(await create(school_client, setup.supervisor_id, form="weekly"))) == {"form"}


async def test_stage_with_a_form_and_without(school_client, stage_setup):
    assert fields(
        await create(school_client, stage_setup.supervisor_id, track="stage", form="block")
    ) == {"form": "not_allowed"}
    ok = await create(school_client, stage_setup.supervisor_id, track="stage", n=61)
    assert ok.status_code == 201, ok.text
    assert ok.json()["form"] is None and ok.json()["track"] == "stage"


async def test_transport_modes(school_client, setup):
    assert set(
        fields(await create(school_client, setup.supervisor_id, transport_modes=["bike", "horse"]))
    ) == {"transport_modes.1"}
    assert set(fields(await create(school_client, setup.supervisor_id, transport_modes=[]))) == {
        "transport_modes"
    }
    ok = await create(
        school_client, setup.supervisor_id, transport_modes=["car", "e_bike_moped", "car"], n=71
    )
    assert ok.json()["transport_modes"] == ["car", "e_bike_moped"]


async def test_bad_email_and_phone(school_client, setup):
    assert fields(await create(school_client, setup.supervisor_id, email="lotte@", phone="12")) == {
        "email": "invalid_email",
        "phone": "invalid_phone",
    }


async def test_blank_and_long_names(school_client, setup):
    codes = fields(
        await create(school_client, setup.supervisor_id, first_name="   ", last_name="x" * 101)
    )
    assert set(codes) == {"first_name", "last_name"}
    ok = await create(school_client, setup.supervisor_id, first_name="  Lotte  ", n=81)
    assert ok.json()["first_name"] == "Lotte"


async def test_remarks_up_to_2000(school_client, setup):
    assert set(fields(await create(school_client, setup.supervisor_id, remarks="x" * 2001))) == {
        "remarks"
    }
    ok = await create(school_client, setup.supervisor_id, remarks="x" * 2000, n=91)
    assert ok.status_code == 201


async def test_required_fields(school_client, setup):
    values = body(setup.supervisor_id, street=..., city=..., phone=..., supervisor_id=...)
    codes = fields(await school_client.post(REQUESTS, json=values))
    assert codes == {
        "street": "missing",
        "city": "missing",
        "phone": "missing",
        "supervisor_id": "missing",
    }


async def test_supervisor_of_another_school(school_client, other_school_client, setup, db):
    theirs = await factories.supervisor(db, other_school_client.account.organisation_id)
    await db.commit()
    assert fields(await create(school_client, theirs.id)) == {"supervisor_id": "unknown_supervisor"}


async def test_all_domain_errors_come_together(school_client, setup):
    response = await create(
        school_client,
        setup.supervisor_id,
        national_number="00000000000",
        postcode="1001",
        email="nope",
        start_date="2026-12-01",
        end_date=None,
        form=None,
    )
    assert set(fields(response)) == {"national_number", "postcode", "email", "end_date", "form"}

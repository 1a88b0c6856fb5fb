"""A city must be one of its postcode's places (issue 15.5: "1000 Brugge" after changing only
the postcode): the reference API lists them, requests (create, edit, import) and the admin's
organisations refuse another with 422 `city_mismatch` at `city`."""

import csv
import io

import pytest

from backend import demo
from backend.reference.postcodes import lookup_postcode
from tests import factories
from tests.schools_helpers import REQUESTS, create, fields, ready, url

POSTCODES = "/api/v1/reference/postcodes"
ORGANISATIONS = "/api/v1/organisations"


@pytest.fixture
async def setup(school_client, db):
    return await ready(db, school_client.account.organisation_id)


async def test_places_of_a_postcode(school_client):
    brussel = (await school_client.get(f"{POSTCODES}/1000")).json()["places"]
    assert brussel == [
        {"name": "Brussel", "names": ["Brussel", "Bruxelles"], "municipality": "Brussel"}
    ]
    # A part of a municipality (deelgemeente) is a place of its own beside the municipality.
    assebroek = (await school_client.get(f"{POSTCODES}/8310")).json()["places"]
    assert [p["name"] for p in assebroek] == ["Brugge", "Assebroek"]
    assert assebroek[1]["municipality"] == "Brugge"
    # A postcode of two municipalities, and a former municipality merged in 2025.
    shared = (await school_client.get(f"{POSTCODES}/1804")).json()["places"]
    assert [p["name"] for p in shared] == ["Vilvoorde", "Zemst"]
    merged = (await school_client.get(f"{POSTCODES}/2070")).json()["places"]
    assert {"Beveren-Kruibeke-Zwijndrecht", "Zwijndrecht", "Burcht"} <= {p["name"] for p in merged}


async def test_a_city_of_another_postcode_is_refused(school_client, setup):
    response = await create(school_client, setup.supervisor_id, postcode="1000", city="Brugge")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("city", "city_mismatch")
    assert "Brussel" in error["message"] and "Bruxelles" in error["message"]


@pytest.mark.parametrize(
    ("postcode", "given", "stored"),
    [
        ("1000", "BRUXELLES", "Bruxelles"),
        ("8310", "assebroek", "Assebroek"),
        ("1420", "Braine-l'Alleud", "Braine-l’Alleud"),
        ("6140", "fontaine l'évêque", "Fontaine-l’Evêque"),
    ],
)
async def test_case_and_accents_aside_the_canonical_spelling_is_stored(
    school_client, setup, postcode, given, stored
):
    response = await create(
        school_client, setup.supervisor_id, postcode=postcode, city=given, province=None
    )
    assert response.status_code == 201, response.text
    assert response.json()["city"] == stored


async def test_changing_only_the_postcode_keeps_no_city_of_the_old_one(school_client, setup):
    created = (await create(school_client, setup.supervisor_id)).json()
    assert (created["postcode"], created["city"]) == ("8000", "Brugge")

    moved = await school_client.patch(
        url(created["id"]),
        json={"postcode": "1000", "province": "BE-BRU"},
        headers={"If-Match": '"1"'},
    )
    assert fields(moved) == {"city": "city_mismatch"}
    kept = (await school_client.get(url(created["id"]))).json()
    assert (kept["postcode"], kept["city"]) == ("8000", "Brugge")

    both = await school_client.patch(
        url(created["id"]),
        json={"postcode": "1000", "province": "BE-BRU", "city": "brussel"},
        headers={"If-Match": '"1"'},
    )
    assert both.status_code == 200, both.text
    assert (both.json()["postcode"], both.json()["city"], both.json()["province"]) == (
        "1000",
        "Brussel",
        "BE-BRU",
    )


async def test_the_import_reports_a_city_not_of_its_postcode(school_client, setup):
    row = {
        "first_name": "Lotte",
        "last_name": "Vermeulen",
        "national_number": factories.national_number(301),
        "street": "Langestraat 12",
        "postcode": "1000",
        "city": "Brugge",
        "phone": "0470 12 34 56",
        "email": "lotte@example.be",
        "transport_modes": "bike",
        "supervisor_email": setup.supervisor.email,
        "hours_per_week": "24",
        "days": "mon",
        "form": "block",
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row), delimiter=";")
    writer.writeheader()
    writer.writerow(row)
    dry = await school_client.post(
        f"{REQUESTS}/import",
        params={"track": "duaal", "dry_run": "true"},
        files={"file": ("pupils.csv", buffer.getvalue().encode(), "text/csv")},
    )
    assert dry.status_code == 200, dry.text
    assert [(e["row"], e["field"], e["code"]) for e in dry.json()["errors"]] == [
        (2, "city", "city_mismatch")
    ]


def _organisation(**overrides):
    return {
        "kind": "school",
        "name": "KTA",
        "email": "kta@example.be",
        "postcode": "8000",
    } | overrides


async def test_organisations_follow_the_same_rule(admin_client):
    refused = await admin_client.post(ORGANISATIONS, json=_organisation(city="Gent"))
    assert fields(refused) == {"city": "city_mismatch"}
    unknown = await admin_client.post(ORGANISATIONS, json=_organisation(postcode="0000"))
    assert fields(unknown) == {"postcode": "unknown_postcode"}

    created = await admin_client.post(ORGANISATIONS, json=_organisation(city="bruges"))
    assert created.status_code == 201, created.text
    organisation = created.json()
    assert organisation["city"] == "Bruges"

    path = f"{ORGANISATIONS}/{organisation['id']}"
    for city in ({}, {"city": None}):
        moved = await admin_client.patch(path, json={"postcode": "9000"} | city)
        assert fields(moved) == {"city": "city_mismatch"}
    assert (await admin_client.get(path)).json()["postcode"] == "8000"
    both = await admin_client.patch(path, json={"postcode": "9000", "city": "Gent"})
    assert both.status_code == 200, both.text
    assert (both.json()["postcode"], both.json()["city"]) == ("9000", "Gent")


def test_the_demo_data_names_cities_of_their_postcodes():
    pairs = [(o[3], o[4]) for o in demo.DEMO_ORGANISATIONS] + [
        (p[2], p[3]) for p in demo.DEMO_PUPILS
    ]
    for postcode, city in pairs:
        assert lookup_postcode(postcode).place_named(city) == city, (postcode, city)

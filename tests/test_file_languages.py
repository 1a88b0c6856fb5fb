"""The exports and the import template speak the user's language (Dutch words and dd/mm/yyyy
for a Dutch user, English and ISO dates for an English one; `lang=` overrides, `lang=codes`
keeps the codes), and an exported file, in either language, imports again."""

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests import factories
from tests.schools_helpers import REQUESTS, ready
from tests.services_helpers import accept, invite


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def _xlsx(content: bytes) -> list[dict]:
    header, *rows = load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


async def _invited_pupil(db, school_client, service_client):
    setup = await ready(db, school_client.account.organisation_id)
    request = await factories.placement_request(
        db,
        campaign_id=setup.campaign.id,
        school_id=school_client.account.organisation_id,
        supervisor_id=setup.supervisor.id,
        first_name="Zoë",
        days=["wed", "thu"],
        transport_modes=["e_bike_moped", "public_transport"],
        form="alternating",
        start_date=date(2026, 12, 1),
        end_date=date(2027, 5, 31),
    )
    await db.commit()
    assert (await invite(service_client, request.id)).status_code == 201
    return setup


async def test_a_dutch_user_gets_dutch_headers_words_and_dates(school_client, service_client, db):
    await _invited_pupil(db, school_client, service_client)
    [row] = _csv((await school_client.get(f"{REQUESTS}/export")).content)
    assert row["Voornaam"] == "Zoë"
    assert row["Status"] == "Uitgenodigd"
    assert row["Traject"] == "Duaal leren"
    assert row["Dagen op de werkplek"] == "woensdag, donderdag"
    assert row["Vervoer"] == "Elektrische fiets/bromfiets, Openbaar vervoer"
    assert row["Vorm duaal leren"] == "Alternerend"
    assert row["Provincie"] == "West-Vlaanderen"
    assert row["Startdatum"] == "01/12/2026"
    assert row["Uitgenodigd door"] == service_client.account.name

    [cells] = _xlsx((await school_client.get(f"{REQUESTS}/export?format=xlsx")).content)
    assert cells["Dagen op de werkplek"] == "woensdag, donderdag"
    assert cells["Startdatum"] == datetime(2026, 12, 1)  # a real date in the sheet


async def test_an_english_user_gets_english_and_iso_dates(school_client, service_client, db):
    await _invited_pupil(db, school_client, service_client)
    assert (await school_client.patch("/api/v1/me", json={"language": "en"})).status_code == 200
    [row] = _csv((await school_client.get(f"{REQUESTS}/export")).content)
    assert row["First name"] == "Zoë"
    assert row["Status"] == "Invited"
    assert row["Days at the workplace"] == "Wednesday, Thursday"
    assert row["Transport"] == "E-bike/moped, Public transport"
    assert row["Form of dual learning"] == "Alternating"
    assert row["Province"] == "West Flanders"
    assert row["Start date"] == "2026-12-01"

    template = await school_client.get(f"{REQUESTS}/import-template", params={"format": "xlsx"})
    assert list(next(load_workbook(io.BytesIO(template.content)).active.values))[:3] == [
        "First name",
        "Last name",
        "National register number",
    ]
    # lang= overrides the preference; codes for scripts.
    [dutch] = _csv((await school_client.get(f"{REQUESTS}/export?lang=nl")).content)
    assert dutch["Dagen op de werkplek"] == "woensdag, donderdag"
    [coded] = _csv((await school_client.get(f"{REQUESTS}/export?lang=codes")).content)
    assert coded["days"] == "wed, thu" and coded["province"] == "BE-VWV"


async def test_the_service_and_admin_exports_speak_the_language(
    school_client, service_client, admin_client, db
):
    setup = await _invited_pupil(db, school_client, service_client)
    [request] = (await school_client.get(REQUESTS)).json()["items"]
    accepted = await accept(service_client, request["id"])
    assert accepted.status_code in (200, 201), accepted.text
    [row] = _csv((await service_client.get(f"{REQUESTS}/export/accepted")).content)
    assert row["Dagen op de werkplek"] == "woensdag, donderdag"
    assert row["Einddatum"] == "31/05/2027"
    [row] = _xlsx(
        (await service_client.get(f"{REQUESTS}/export/accepted?format=xlsx&lang=en")).content
    )
    assert row["Form of dual learning"] == "Alternating" and row["Track"] == "Dual learning"

    exported = await admin_client.get(
        "/api/v1/admin/exports/requests", params={"campaign_id": setup.campaign_id, "lang": "en"}
    )
    [row] = _csv(exported.content)
    assert row["Status"] == "Accepted" and row["Province"] == "West Flanders"


@pytest.mark.parametrize(("lang", "fmt"), [("nl", "csv"), ("en", "xlsx"), ("nl", "xlsx")])
async def test_an_exported_file_imports_again(
    school_client, other_school_client, service_client, db, lang, fmt
):
    setup = await _invited_pupil(db, school_client, service_client)
    exported = await school_client.get(f"{REQUESTS}/export", params={"format": fmt, "lang": lang})
    # A fresh school with a supervisor of the same e-mail reads the file in.
    other = await ready(db, other_school_client.account.organisation_id)
    await factories.supervisor(
        db, other_school_client.account.organisation_id, email=setup.supervisor.email
    )
    await db.commit()
    response = await other_school_client.post(
        f"{REQUESTS}/import",
        params={"track": "duaal"},
        files={"file": (f"export.{fmt}", exported.content, "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1 and other.campaign_id
    [item] = (await other_school_client.get(REQUESTS)).json()["items"]
    assert item["days"] == ["wed", "thu"]
    assert sorted(item["transport_modes"]) == ["e_bike_moped", "public_transport"]
    assert item["form"] == "alternating" and item["province"] == "BE-VWV"
    assert item["start_date"] == "2026-12-01"


async def test_the_import_reads_headers_and_words_of_either_language(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    header = (
        "Voornaam;Last name;national_number;Straat en huisnummer;Postcode;Town;Provincie;"
        "Telefoon;E-mail address;Vervoer;E-mail werkplekbegeleider;Start date;Einddatum;"
        "Hours per week;Dagen op de werkplek;Form of dual learning\n"
    )
    line = (
        f"An;Peeters;{factories.national_number(4242)};Kerkstraat 1;8000;Brugge;West Flanders;"
        f"0470123456;an@example.be;Bicycle, Openbaar vervoer;{setup.supervisor.email};"
        "2026-12-01;31/05/2027;24;Monday, dinsdag;Blok\n"
    )
    response = await school_client.post(
        f"{REQUESTS}/import",
        params={"track": "duaal"},
        files={"file": ("mixed.csv", (header + line).encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    [item] = (await school_client.get(REQUESTS)).json()["items"]
    assert item["days"] == ["mon", "tue"] and item["form"] == "block"
    assert sorted(item["transport_modes"]) == ["bike", "public_transport"]
    assert item["province"] == "BE-VWV"

"""Bulk import (CSV or XLSX in the template's columns, all rows or none) and the export of
the school's overview."""

import csv
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from backend.placements.models import PlacementRequest
from tests import factories
from tests.schools_helpers import REQUESTS, ready
from tests.services_helpers import invite

IMPORT = f"{REQUESTS}/import"
COLUMNS = [
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
    "supervisor_email",
    "start_date",
    "end_date",
    "hours_per_week",
    "days",
    "form",
]


def _row(i: int, supervisor_email: str) -> dict:
    return {
        "first_name": f"Leerling{i}",
        "last_name": "Peeters",
        "national_number": factories.national_number(1000 + i),
        "street": f"Kerkstraat {i}",
        "postcode": "9000",
        "city": "Gent",
        "province": "",
        "phone": "0470 12 34 56",
        "email": f"leerling{i}@example.be",
        "transport_modes": "bike, public_transport",
        "remarks": "",
        "supervisor_email": supervisor_email,
        "start_date": "01/12/2026",
        "end_date": "2027-05-31",
        "hours_per_week": "24",
        "days": "mon;tue",
        "form": "block",
    }


def _csv(rows: list[dict], delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def _import(client, data: bytes, *, dry_run: bool, name: str = "pupils.csv"):
    return await client.post(
        IMPORT,
        params={"track": "duaal", "dry_run": str(dry_run).lower()},
        files={"file": (name, data, "text/csv")},
    )


async def _count(db) -> int:
    return await db.scalar(select(func.count(PlacementRequest.id)))


async def test_200_rows_with_3_bad_ones_all_or_nothing(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    rows = [_row(i, setup.supervisor.email) for i in range(200)]
    rows[10]["postcode"] = "0000"
    rows[57]["national_number"] = "12345678901"
    rows[57]["hours_per_week"] = "41"
    rows[199]["supervisor_email"] = "nobody@example.be"
    data = _csv(rows)

    dry = await _import(school_client, data, dry_run=True)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    # A dry run counts what the rows would do.
    assert (report["rows"], report["valid"], report["created"], report["refused"]) == (
        200,
        197,
        197,
        3,
    )
    # Spreadsheet rows: the header is row 1.
    assert {(e["row"], e["field"]) for e in report["errors"]} == {
        (12, "postcode"),
        (59, "national_number"),
        (59, "hours_per_week"),
        (201, "supervisor_email"),
    }
    assert await _count(db) == 0

    real = await _import(school_client, data, dry_run=False)
    assert real.status_code == 422 and real.json()["code"] == "import_invalid"
    assert len(real.json()["errors"]) == 4
    assert await _count(db) == 0

    rows[10]["postcode"] = "9000"
    rows[57]["national_number"] = factories.national_number(1057)
    rows[57]["hours_per_week"] = "40"
    rows[199]["supervisor_email"] = setup.supervisor.email.upper()
    fixed = await _import(school_client, _csv(rows, delimiter=","), dry_run=False)
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["created"] == 200 and fixed.json()["errors"] == []
    assert await _count(db) == 200
    listed = (await school_client.get(REQUESTS, params={"page_size": 1})).json()
    assert listed["total"] == 200
    [item] = listed["items"]
    assert item["province"] == "BE-VOV" and item["phone"] == "+32470123456"
    assert item["transport_modes"] == ["bike", "public_transport"] and item["days"] == [
        "mon",
        "tue",
    ]


async def test_duplicates_in_the_file_and_with_the_database(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    rows = [_row(i, setup.supervisor.email) for i in range(3)]
    rows[2]["national_number"] = rows[0]["national_number"]
    report = (await _import(school_client, _csv(rows), dry_run=True)).json()
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(4, "duplicate_in_file")]
    ok = await _import(school_client, _csv(rows[:2]), dry_run=False)
    assert ok.json()["created"] == 2
    again = (await _import(school_client, _csv(rows[:1]), dry_run=True)).json()
    assert [(e["row"], e["code"]) for e in again["errors"]] == [(2, "duplicate_request")]


async def test_xlsx_import_and_template(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    template = await school_client.get(
        f"{REQUESTS}/import-template", params={"format": "xlsx", "lang": "codes"}
    )
    assert template.status_code == 200
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == COLUMNS

    filled = Workbook()
    sheet = filled.active
    sheet.append(COLUMNS)
    row = _row(1, setup.supervisor.email)
    row["hours_per_week"] = 24
    values = [row[c] for c in COLUMNS]
    sheet.append(values)
    buffer = io.BytesIO()
    filled.save(buffer)
    response = await _import(school_client, buffer.getvalue(), dry_run=False, name="pupils.xlsx")
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


async def test_bad_files(school_client, db):
    await ready(db, school_client.account.organisation_id)
    wrong_columns = await _import(school_client, b"vnaam;naam\nAn;Peeters\n", dry_run=True)
    assert wrong_columns.status_code == 422
    assert wrong_columns.json()["code"] == "import_unreadable"
    assert "first_name" in wrong_columns.json()["missing_columns"]
    broken = await _import(school_client, b"PK\x03\x04garbage", dry_run=True, name="x.xlsx")
    assert broken.status_code == 422 and broken.json()["code"] == "import_unreadable"
    empty = await _import(school_client, b"", dry_run=True)
    assert empty.status_code == 422


async def test_import_needs_an_open_campaign(school_client, db):
    setup = await ready(db, school_client.account.organisation_id, phase="decisions_open")
    response = await _import(school_client, _csv([_row(1, setup.supervisor.email)]), dry_run=True)
    assert response.status_code == 409 and response.json()["code"] == "phase_closed"


async def test_export_shows_status_and_inviting_services(school_client, service_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    number = factories.national_number(1500)
    request = await factories.placement_request(
        db,
        campaign_id=setup.campaign.id,
        school_id=school_client.account.organisation_id,
        supervisor_id=setup.supervisor.id,
        national_number=number,
        first_name="Zoë",
    )
    await db.commit()
    assert (await invite(service_client, request.id)).status_code == 201

    exported = await school_client.get(
        f"{REQUESTS}/export", params={"format": "csv", "lang": "codes"}
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1
    assert rows[0]["status"] == "invited" and rows[0]["first_name"] == "Zoë"
    assert rows[0]["invited_by"] == service_client.account.name
    assert rows[0]["national_number"].replace(".", "").replace("-", "") == number

    xlsx = await school_client.get(f"{REQUESTS}/export", params={"format": "xlsx", "lang": "codes"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=2, column=1).value == "invited"


async def test_dutch_words_for_transport_days_and_form(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    row = _row(1, setup.supervisor.email)
    row.update(
        transport_modes="Fiets, openbaar vervoer; Elektrische fiets",
        days="ma di Woensdag",
        form="Alternerend",
    )
    bad = {**_row(2, setup.supervisor.email), "days": "maan", "transport_modes": "paard"}
    report = (await _import(school_client, _csv([row, bad]), dry_run=True)).json()
    # The first word of each list is unknown.
    assert {(e["row"], e["field"]) for e in report["errors"]} == {
        (3, "days.0"),
        (3, "transport_modes.0"),
    }
    created = await _import(school_client, _csv([row]), dry_run=False)
    assert created.status_code == 200, created.text
    [item] = (await school_client.get(REQUESTS)).json()["items"]
    assert sorted(item["transport_modes"]) == ["bike", "e_bike_moped", "public_transport"]
    assert item["days"] == ["mon", "tue", "wed"]
    assert item["form"] == "alternating"

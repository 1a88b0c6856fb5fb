"""A service exports the pupils it accepted, with the contact data for the contracts; every
national number exported is audited, and nothing of pupils it did not accept leaves."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from backend.audit.models import AuditEntry
from tests import factories
from tests.services_helpers import arrange

URL = "/api/v1/placement-requests/export/accepted"


async def _situations(db, school_client, service_client):
    school_id = school_client.account.organisation_id
    me = service_client.account.organisation_id
    other = (await factories.account(db, "service")).organisation_id
    made = {
        s: await arrange(db, s, school_id=school_id, me=me, other=other)
        for s in ("accepted_by_me", "accepted_by_other", "invited_by_me", "released")
    }
    return made


def _rows(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_export_of_accepted_pupils(service_client, school_client, db, fmt):
    from backend import crypto

    made = await _situations(db, school_client, service_client)
    request = made["accepted_by_me"].request
    national_number = crypto.decrypt(request.national_number_encrypted)

    response = await service_client.get(URL, params={"format": fmt, "lang": "codes"})
    assert response.status_code == 200, response.text
    assert f'filename="accepted-pupils.{fmt}"' in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    if fmt == "csv":
        assert response.headers["content-type"].startswith("text/csv")
        rows = _rows(response.content)
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        header, *values = [list(r) for r in sheet.iter_rows(values_only=True)]
        rows = [
            {h: ("" if v is None else str(v)) for h, v in zip(header, r, strict=True)}
            for r in values
        ]

    # Only the pupil this service accepted: not the one accepted elsewhere, not the invited
    # one, not the one it released.
    [row] = rows
    assert row["first_name"] == request.first_name
    assert row["last_name"] == request.last_name
    assert row["national_number"] == national_number
    assert row["street"] == request.street
    # backend/tabular.py guards every cell starting with "+" against formula injection.
    assert row["phone"] == request.phone
    assert row["email"] == request.email
    assert row["school"] == school_client.account.name
    assert row["contact_person"] == "An Peeters"

    [entry] = (
        await db.scalars(select(AuditEntry).where(AuditEntry.action == "national_number_shown"))
    ).all()
    assert entry.object_id == str(request.id)
    assert entry.actor_organisation_id == service_client.account.organisation_id
    assert entry.details == {"via": "export"}
    assert entry.client_address


async def test_the_export_is_for_services_only(school_client, admin_client, service_client):
    for client in (school_client, admin_client):
        response = await client.get(URL)
        assert response.status_code == 403
    bad = await service_client.get(URL, params={"format": "pdf"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "format"


async def test_an_empty_export_has_its_header(service_client):
    response = await service_client.get(URL, params={"lang": "codes"})
    assert response.status_code == 200
    assert _rows(response.content) == []
    assert response.content.decode("utf-8-sig").startswith("school_year;track;first_name")

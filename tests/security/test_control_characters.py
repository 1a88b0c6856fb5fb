"""Control characters in text: a NUL in a pupil's name made every XLSX export holding the
pupil answer 500 (and PostgreSQL refuses it outright). Every free-text field of every body
refuses control characters and their kin with `invalid_characters` naming the field;
multi-line notes keep their line breaks and tabs. An imported row is held to the same rule,
and an export writes what the database holds, whatever it holds."""

import io
import typing

import pytest
from openpyxl import load_workbook
from pydantic import AfterValidator

from backend import schemas
from tests import factories
from tests.schools_helpers import REQUESTS, create, fields, ready
from tests.services_helpers import ACCEPT_BODY, a_request, accept, invite
from tests.test_import_export import IMPORT, _csv, _row

REFUSED = {
    "NUL": "\x00",
    "line feed": "\n",
    "carriage return and line feed": "\r\n",
    "tab": "\t",
    "escape": "\x1b",
    "delete": "\x7f",
    "C1 next line": "\x85",
    "C1 control": "\x9b",
    "line separator": "\u2028",
    "right-to-left override": "\u202e",
    "noncharacter": "\uffff",
}


@pytest.mark.parametrize("character", REFUSED.values(), ids=REFUSED.keys())
async def test_a_name_refuses_control_characters(school_client, db, character):
    setup = await ready(db, school_client.account.organisation_id)
    response = await create(school_client, setup.supervisor_id, first_name=f"Lot{character}te")
    assert fields(response) == {"first_name": "invalid_characters"}


async def test_every_text_of_a_request_is_checked(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    response = await create(
        school_client,
        setup.supervisor_id,
        last_name="Ver\x00meulen",
        street="Langestraat\x0b12",
        city="Bru\u2029gge",
        phone="0470\x0012 34 56",
        email="lotte\x00@example.be",
        remarks="Kleurenblind\x00",
    )
    assert fields(response) == {
        name: "invalid_characters"
        for name in ("last_name", "street", "city", "phone", "email", "remarks")
    }


async def test_remarks_keep_line_breaks_and_tabs(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    response = await create(
        school_client, setup.supervisor_id, remarks="Kleurenblind\r\nHoorapparaat:\tlinks\rBril"
    )
    assert response.status_code == 201, response.text
    assert response.json()["remarks"] == "Kleurenblind\nHoorapparaat:\tlinks\nBril"

    patched = await school_client.patch(
        f"{REQUESTS}/{response.json()['id']}",
        json={"remarks": "Bril\x07"},
        headers={"If-Match": response.headers["ETag"]},
    )
    assert fields(patched) == {"remarks": "invalid_characters"}


async def test_supervisors_and_organisations_refuse_control_characters(school_client, admin_client):
    supervisor = await school_client.post(
        "/api/v1/supervisors",
        json={
            "first_name": "Greet\x00",
            "last_name": "Claeys\u202e",
            "phone": "050 12\x1b34 56",
            "email": "greet@school.be",
        },
    )
    assert fields(supervisor) == {
        "first_name": "invalid_characters",
        "last_name": "invalid_characters",
        "phone": "invalid_characters",
    }
    organisation = await admin_client.post(
        "/api/v1/organisations",
        json={
            "kind": "school",
            "name": "VTI\x00Brugge",
            "email": "vti@example.be",
            "postcode": "8000",
            "city": "Brug\nge",
        },
    )
    assert fields(organisation) == {"name": "invalid_characters", "city": "invalid_characters"}


async def test_an_acceptance_refuses_control_characters_but_notes_keep_lines(
    school_client, service_client, db
):
    setup = await a_request(db, school_client.account.organisation_id)
    assert (await invite(service_client, setup.id)).status_code == 201
    bad = await accept(
        service_client,
        setup.id,
        {
            "notes": "Start\x00",
            "contact_person": {**ACCEPT_BODY["contact_person"], "name": "An\nPeeters"},
        },
    )
    assert fields(bad) == {
        "notes": "invalid_characters",
        "contact_person.name": "invalid_characters",
    }
    good = await accept(service_client, setup.id, {**ACCEPT_BODY, "notes": "Start\r\nMet meter"})
    assert good.status_code == 200, good.text
    assert good.json()["acceptance"]["notes"] == "Start\nMet meter"


async def test_search_and_filter_texts_refuse_control_characters(school_client, admin_client, db):
    # PostgreSQL answered a NUL in a search with an error of its own: a 500.
    setup = await ready(db, school_client.account.organisation_id)
    for client, path, params in [
        (school_client, REQUESTS, {"q": "Lot\x00te"}),
        (school_client, "/api/v1/supervisors", {"q": "Greet\x00"}),
        (admin_client, "/api/v1/organisations", {"q": "VTI\x00"}),
        (admin_client, "/api/v1/admin/audit", {"action": "reveal\x00", "object_id": "\x00"}),
        (
            admin_client,
            "/api/v1/admin/exports/requests",
            {"campaign_id": setup.campaign_id, "reason": "Controle\x00 van de school"},
        ),
    ]:
        response = await client.get(path, params=params)
        assert fields(response) == dict.fromkeys(
            params.keys() - {"campaign_id"}, "invalid_characters"
        )


async def test_an_imported_row_with_a_nul_is_a_row_error(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    rows = [_row(i, setup.supervisor.email) for i in range(3)]
    rows[1]["last_name"] = "Pee\x00ters"
    rows[2]["remarks"] = "Eerste lijn\nTweede lijn"

    dry = await school_client.post(
        IMPORT,
        params={"track": "duaal", "dry_run": "true"},
        files={"file": ("pupils.csv", _csv(rows), "text/csv")},
    )
    assert dry.status_code == 200, dry.text
    assert [(e["row"], e["field"], e["code"]) for e in dry.json()["errors"]] == [
        (3, "last_name", "invalid_characters")
    ]
    real = await school_client.post(
        IMPORT,
        params={"track": "duaal"},
        files={"file": ("pupils.csv", _csv(rows), "text/csv")},
    )
    assert real.status_code == 422 and real.json()["code"] == "import_invalid"


async def test_exports_write_what_the_database_holds(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    # Stored before inputs were checked (PostgreSQL takes every control character but NUL).
    await factories.placement_request(
        db,
        campaign_id=setup.campaign.id,
        school_id=school_client.account.organisation_id,
        supervisor_id=setup.supervisor.id,
        first_name="Zo\x01ë",
        remarks="Bril\x0bHoorapparaat\x1f",
    )
    await db.commit()

    xlsx = await school_client.get(f"{REQUESTS}/export", params={"format": "xlsx", "lang": "codes"})
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header, row = [[c.value for c in r] for r in sheet.iter_rows(max_row=2)]
    exported = dict(zip(header, row, strict=True))
    assert exported["first_name"] == "Zo\ufffdë"
    assert exported["remarks"] == "Bril\ufffdHoorapparaat\ufffd"

    csv = await school_client.get(f"{REQUESTS}/export", params={"format": "csv", "lang": "codes"})
    assert csv.status_code == 200
    assert "Zo\ufffdë" in csv.content.decode("utf-8-sig")


def _checks_text(annotation, metadata) -> bool:
    """Whether a field's type is schemas.SingleLine or schemas.MultiLine (or has a pattern)."""
    checks = {schemas.SingleLine.__metadata__[0].func, schemas.MultiLine.__metadata__[0].func}
    if any(getattr(m, "pattern", None) for m in metadata):
        return True
    if any(isinstance(m, AfterValidator) and m.func in checks for m in metadata):
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _checks_text(typing.get_args(annotation)[0], annotation.__metadata__)
    return annotation is not str and all(
        _checks_text(arg, []) for arg in typing.get_args(annotation) if arg is not type(None)
    )


def test_every_text_field_of_every_body_is_checked():
    def subclasses(model):
        for sub in model.__subclasses__():
            yield sub
            yield from subclasses(sub)

    # Secrets typed or pasted (passwords, link tokens) are compared, never shown or stored as
    # text; e-mail addresses have a validator of their own.
    credentials = {"email", "password", "token", "current_password", "new_password"}
    unchecked = [
        f"{model.__module__}.{model.__name__}.{name}"
        for model in subclasses(schemas.StrictModel)
        for name, info in model.model_fields.items()
        if not (model.__module__.startswith("backend.auth") and name in credentials)
        and not _checks_text(info.annotation, info.metadata)
    ]
    assert unchecked == []

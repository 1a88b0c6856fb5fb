"""The admin's side: dashboard, exports (national numbers only with a reason), audit log, outbox,
data-subject export, and no admin endpoint for schools or services."""

import csv
import io
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.audit.models import AuditEntry
from backend.placements.models import Acceptance, Invitation, InvitationOutcome, RequestState
from tests import factories


async def _campaign_with_requests(db, service_id):
    """Two schools, five requests in two provinces: 2 open, 1 invited, 2 accepted."""
    campaign = await factories.campaign(db)
    requests = []
    for postcode, state in (
        ("8000", RequestState.open),
        ("8400", RequestState.open),
        ("9000", RequestState.invited),
        ("9000", RequestState.accepted),
        ("8000", RequestState.accepted),
    ):
        school = await factories.account(db, "school")
        supervisor = await factories.supervisor(db, school.organisation_id)
        request = await factories.placement_request(
            db,
            campaign_id=campaign.id,
            school_id=school.organisation_id,
            supervisor_id=supervisor.id,
            postcode=postcode,
            state=state,
            accepted_service_id=service_id if state == RequestState.accepted else None,
        )
        if state != RequestState.open:
            db.add(
                Invitation(
                    request_id=request.id,
                    service_id=service_id,
                    invited_at=clock.now(),
                    outcome=InvitationOutcome.accepted
                    if state == RequestState.accepted
                    else InvitationOutcome.pending,
                )
            )
        if state == RequestState.accepted:
            db.add(
                Acceptance(
                    request_id=request.id,
                    service_id=service_id,
                    accepted_at=clock.now(),
                    notes="Welkom",
                    contact_name="An",
                    contact_phone="+3250000000",
                    contact_email="an@example.be",
                )
            )
        requests.append(request)
    await db.commit()
    return campaign, requests


async def test_dashboard_counts_per_status_and_province(admin_client, service_client, db):
    campaign, _ = await _campaign_with_requests(db, service_client.account.organisation_id)
    response = await admin_client.get(
        "/api/v1/admin/dashboard", params={"campaign_id": str(campaign.id)}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 5
    assert body["by_status"] == {"open": 2, "invited": 1, "accepted": 2, "not_placed": 0}
    # Every status is counted, 0 included (a typed StatusCounts, issue 18).
    none = {"open": 0, "invited": 0, "accepted": 0, "not_placed": 0}
    assert body["by_province"]["BE-VOV"] == {**none, "invited": 1, "accepted": 1}
    assert body["by_province"]["BE-VWV"] == {**none, "open": 2, "accepted": 1}
    assert body["placement_rate"] == 0.4
    assert sum(d["count"] for d in body["acceptances_per_day"]) == 2
    assert len(body["still_open"]) == 3

    clock.freeze(campaign.decision_deadline + timedelta(seconds=1))
    token = await factories.login(admin_client, admin_client.account.email)
    admin_client.headers["Authorization"] = f"Bearer {token}"
    closed = (
        await admin_client.get("/api/v1/admin/dashboard", params={"campaign_id": str(campaign.id)})
    ).json()
    assert closed["by_status"] == {"open": 0, "invited": 0, "accepted": 2, "not_placed": 3}


async def test_export_holds_national_numbers_only_when_revealed_with_a_reason(
    admin_client, service_client, db
):
    campaign, requests = await _campaign_with_requests(db, service_client.account.organisation_id)
    plain = await admin_client.get(
        "/api/v1/admin/exports/requests", params={"campaign_id": str(campaign.id), "lang": "codes"}
    )
    assert plain.status_code == 200
    rows = list(csv.DictReader(io.StringIO(plain.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 5
    assert not {"national_number", "phone", "email"} & rows[0].keys()

    revealed = await admin_client.get(
        "/api/v1/admin/exports/requests",
        params={
            "campaign_id": str(campaign.id),
            "format": "xlsx",
            "reason": "Contracten opmaken voor de sector",
        },
    )
    assert revealed.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(revealed.content)).active
    numbers = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(re.fullmatch(r"\d{11}", n) for n in numbers)

    entries = (
        await db.scalars(
            select(AuditEntry).where(AuditEntry.action == "export_requests").order_by(AuditEntry.at)
        )
    ).all()
    assert [(e.details["revealed"], e.details["reason"]) for e in entries] == [
        (False, None),
        (True, "Contracten opmaken voor de sector"),
    ]


async def test_audit_log_filters_and_is_read_only(admin_client, school_client):
    await school_client.post(
        "/api/v1/auth/login",
        json={"email": school_client.account.email, "password": "fout-wachtwoord"},
    )
    response = await admin_client.get("/api/v1/admin/audit", params={"action": "login_failed"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["details"]["email"] for i in items] == [school_client.account.email]
    for method in ("post", "put", "patch", "delete"):
        refused = await getattr(admin_client, method)("/api/v1/admin/audit")
        assert refused.status_code == 405


async def test_outbox_lists_waiting_mail(admin_client):
    await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "school", "name": "KTA", "email": "kta@example.be", "postcode": "8900"},
    )
    response = await admin_client.get("/api/v1/admin/outbox", params={"pending_only": True})
    [mail] = response.json()["items"]
    assert mail["to_address"] == "kta@example.be"
    assert mail["template"] == "invitation"
    assert "body_text" not in mail


async def test_personal_data_export_holds_everything_and_is_audited(
    admin_client, service_client, db
):
    _, requests = await _campaign_with_requests(db, service_client.account.organisation_id)
    accepted = requests[3]
    reason = {"reason": "Inzageverzoek van de leerling"}
    response = await admin_client.get(
        f"/api/v1/admin/placement-requests/{accepted.id}/personal-data", params=reason
    )
    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"\d{11}", body["pupil"]["national_number"])
    assert body["pupil"]["email"] == accepted.email
    assert body["acceptances"][0]["notes"] == "Welkom"
    assert (
        await db.scalar(select(AuditEntry).where(AuditEntry.action == "personal_data_export"))
    ) is not None
    missing = await admin_client.get(
        f"/api/v1/admin/placement-requests/{uuid.uuid4()}/personal-data", params=reason
    )
    assert missing.status_code == 404


def _admin_routes(app):
    """Every route only the admin may use: /admin/*, /organisations*, campaign writes."""
    for path, operations in app.openapi()["paths"].items():
        for method in (m.upper() for m in operations):
            if path.startswith(("/api/v1/admin", "/api/v1/organisations")) or (
                path.startswith("/api/v1/campaigns") and method in {"POST", "PATCH"}
            ):
                yield method, path


@pytest.mark.parametrize("role", ["school", "service"])
async def test_every_admin_endpoint_refuses_schools_and_services(
    app, role, school_client, service_client
):
    client = school_client if role == "school" else service_client
    routes = sorted(set(_admin_routes(app)))
    assert len(routes) >= 10
    spec = app.openapi()["paths"]
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        # (Only where the operation takes it: an unknown parameter answers 422, issue 18.)
        operation = spec[path][method.lower()]
        declared = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
        params = {"campaign_id": str(uuid.uuid4())} if "campaign_id" in declared else {}
        response = await client.request(method, url, params=params, json={})
        # A service's preferences answer another organisation as if there were none
        # (test_fit.py checks the service's own and the admin's access).
        refused = 404 if path.endswith("/preferences") else 403
        assert response.status_code == refused, (method, path, response.status_code)


def test_csv_cells_cannot_become_formulas_but_phones_stay_as_they_are():
    from backend.tabular import to_csv

    text = to_csv(["a", "b", "c"], [["=HYPERLINK(1)", "+32470123456", "-1+2"]]).decode()
    [_, row] = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert row == ["'=HYPERLINK(1)", "+32470123456", "'-1+2"]


def test_xlsx_cells_cannot_become_formulas():
    from openpyxl import load_workbook

    from backend.tabular import to_xlsx

    sheet = load_workbook(io.BytesIO(to_xlsx(["a", "b"], [["=HYPERLINK(1)", "+32470123456"]])))
    a2, b2 = sheet.active["A2"], sheet.active["B2"]
    assert (a2.value, a2.data_type) == ("=HYPERLINK(1)", "s")
    assert b2.value == "+32470123456"

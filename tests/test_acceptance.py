"""Accepting a pupil (notes and a contact person required), the others placed elsewhere, and
releasing the acceptance with a reason."""

import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.organisations import capacity
from backend.placements.models import Acceptance, Invitation, RequestEvent
from tests import factories
from tests.services_helpers import (
    ACCEPT_BODY,
    a_request,
    accept,
    close,
    decline,
    invite,
    outbox,
    release,
    service_clients,
)


async def _count(db, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return await db.scalar(query)


async def test_accept_needs_a_live_invitation(service_client, school_client, db):
    setup = await a_request(db, school_client.account.organisation_id)
    response = await accept(service_client, setup.id)
    assert response.status_code == 409
    assert response.json()["code"] == "not_invited"
    assert await _count(db, Acceptance) == 0


def _body(**changes):
    body = {**ACCEPT_BODY, "contact_person": {**ACCEPT_BODY["contact_person"]}}
    for key, value in changes.items():
        if key.startswith("contact_") and key != "contact_person":
            field = key.removeprefix("contact_")
            if value is None:
                del body["contact_person"][field]
            else:
                body["contact_person"][field] = value
        elif value is None:
            del body[key]
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (_body(notes=None), "notes", "missing"),
        (_body(notes="   "), "notes", "string_too_short"),
        (_body(notes="x" * 2001), "notes", "string_too_long"),
        (_body(contact_person=None), "contact_person", "missing"),
        (_body(contact_name=None), "contact_person.name", "missing"),
        (_body(contact_phone=None), "contact_person.phone", "missing"),
        (_body(contact_email=None), "contact_person.email", "missing"),
        (_body(contact_phone="12"), "contact_person.phone", "invalid_phone"),
        (_body(contact_email="an@"), "contact_person.email", "invalid_email"),
        (_body(accepted_service_id="x"), "accepted_service_id", "extra_forbidden"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_accept_validates_its_body(service_client, school_client, db, body, field, code):
    setup = await a_request(db, school_client.account.organisation_id)
    await invite(service_client, setup.id)
    response = await accept(service_client, setup.id, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    assert await _count(db, Acceptance) == 0


async def test_accept_places_the_pupil_and_tells_everyone_once(
    app, sessionmaker, service_client, school_client, db
):
    other, declined = await service_clients(app, sessionmaker, 2)
    try:
        setup = await a_request(db, school_client.account.organisation_id)
        for client in (service_client, other, declined):
            assert (await invite(client, setup.id)).status_code == 201
        await decline(declined, setup.id)

        response = await accept(service_client, setup.id)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "accepted"
        assert body["acceptance"]["notes"] == ACCEPT_BODY["notes"]
        # The contact person's phone and e-mail are stored normalized.
        assert body["acceptance"]["contact_person"] == {
            "name": "An Peeters",
            "phone": "+3250123456",
            "email": "an@dienst.be",
        }
        # The accepting service now sees what the contract needs, and that is audited.
        assert body["national_number"] and body["phone"] and body["street"]
        shown = await db.scalar(
            select(AuditEntry).where(AuditEntry.action == "national_number_shown")
        )
        assert shown.object_id == setup.id
        assert shown.actor_organisation_id == service_client.account.organisation_id

        outcomes = {
            i.service_id: i.outcome.value
            for i in await db.scalars(
                select(Invitation)
                .where(Invitation.request_id == setup.request.id)
                .execution_options(populate_existing=True)
            )
        }
        assert outcomes == {
            service_client.account.organisation_id: "accepted",
            other.account.organisation_id: "placed_elsewhere",
            declined.account.organisation_id: "declined",
        }
        assert await _count(db, Acceptance, request_id=setup.request.id) == 1

        to_school = await outbox(
            sessionmaker, to=school_client.account.email, template="pupil_accepted"
        )
        assert len(to_school) == 1
        # The phone as people write it (the school reads Dutch), never as stored (E.164).
        assert "An Peeters, 050 12 34 56, an@dienst.be" in to_school[0].body_text
        assert 'href="tel:+32-50-12-34-56"' in to_school[0].body_html
        assert "+3250123456" not in to_school[0].body_text + to_school[0].body_html
        # Only the service still waiting hears that the pupil is placed elsewhere.
        placed = await outbox(sessionmaker, template="placed_elsewhere")
        assert [m.to_address for m in placed] == [other.account.email]
        # The other service's view: its invitation is placed elsewhere, no contact data.
        seen = (await invite(other, setup.id)).json()
        assert seen["code"] == "already_accepted"

        kinds = await db.scalars(
            select(RequestEvent.kind).where(RequestEvent.request_id == setup.request.id)
        )
        # The acceptance's answer gives the service the pupil's personal fields: disclosed.
        assert sorted(kinds) == [
            *("accepted", "declined", "disclosed", "invited", "invited", "invited"),
        ]
    finally:
        await close(other, declined)


async def test_a_second_acceptance_is_refused(app, sessionmaker, service_client, school_client, db):
    [other] = await service_clients(app, sessionmaker, 1)
    try:
        setup = await a_request(db, school_client.account.organisation_id)
        await invite(service_client, setup.id)
        await invite(other, setup.id)
        assert (await accept(service_client, setup.id)).status_code == 200
        for client in (other, service_client):
            response = await accept(client, setup.id)
            assert response.status_code == 409
            assert response.json()["code"] == "already_accepted"
        assert await _count(db, Acceptance) == 1
    finally:
        await close(other)


async def test_release_needs_a_reason_and_the_own_acceptance(
    app, sessionmaker, service_client, school_client, db
):
    [other] = await service_clients(app, sessionmaker, 1)
    try:
        setup = await a_request(db, school_client.account.organisation_id)
        await invite(service_client, setup.id)
        await invite(other, setup.id)
        await accept(service_client, setup.id)

        url = f"/api/v1/placement-requests/{setup.id}/acceptance/release"
        missing = await service_client.post(url, json={})
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "reason"
        blank = await service_client.post(url, json={"reason": "  "})
        assert blank.status_code == 422

        not_mine = await release(other, setup.id)
        assert not_mine.status_code == 409
        assert not_mine.json()["code"] == "not_accepted"
    finally:
        await close(other)


async def test_release_opens_the_request_again(
    app, sessionmaker, service_client, school_client, db
):
    [other] = await service_clients(app, sessionmaker, 1)
    try:
        setup = await a_request(db, school_client.account.organisation_id)
        await invite(service_client, setup.id)
        await invite(other, setup.id)
        await accept(service_client, setup.id)

        response = await release(service_client, setup.id, "De leerling verhuist naar Luik")
        assert response.status_code == 200, response.text
        body = response.json()
        # The placed-elsewhere invitation stays ended: no live invitation is left.
        assert body["status"] == "open"
        assert "acceptance" not in body
        assert "national_number" not in body and "street" not in body
        assert [i["outcome"] for i in body["invitations"]] == ["withdrawn"]

        db.expire_all()
        [acceptance] = await db.scalars(select(Acceptance))
        assert acceptance.released_at is not None
        assert acceptance.release_reason == "De leerling verhuist naar Luik"
        [mail] = await outbox(
            sessionmaker, to=school_client.account.email, template="acceptance_released"
        )
        assert "De leerling verhuist naar Luik" in mail.body_text

        # Back in the list: the service placed elsewhere may invite and accept now.
        assert (await invite(other, setup.id)).status_code == 201
        assert (await accept(other, setup.id)).status_code == 200
    finally:
        await close(other)


async def test_accepting_takes_a_place_and_releasing_gives_it_back(
    service_client, school_client, db
):
    first = await a_request(db, school_client.account.organisation_id)
    second = await a_request(
        db, school_client.account.organisation_id, campaign=first.campaign, postcode="8400"
    )
    service_id = service_client.account.organisation_id
    await capacity.set_capacity(db, service_id, first.campaign.id, 1)
    await db.commit()
    for setup in (first, second):
        await invite(service_client, setup.id)

    assert (await accept(service_client, first.id)).status_code == 200
    full = await accept(service_client, second.id)
    assert full.status_code == 409
    assert full.json()["code"] == "capacity_full"
    assert await _count(db, Acceptance, request_id=second.request.id) == 0

    await release(service_client, first.id)
    assert (await accept(service_client, second.id)).status_code == 200


async def test_after_the_decision_deadline_the_request_reads_not_placed(
    service_client, school_client, db
):
    found = await factories.campaign(db, phase="requests_open")
    setup = await a_request(db, school_client.account.organisation_id, campaign=found)
    await invite(service_client, setup.id)

    from datetime import timedelta

    from backend import clock

    # The clock passes the decision deadline; the access token is renewed for the new time.
    clock.shift(found.decision_deadline - clock.now() + timedelta(minutes=1))
    service_client.headers["Authorization"] = (
        f"Bearer {await factories.login(service_client, service_client.account.email)}"
    )
    response = await accept(service_client, setup.id)
    assert response.status_code == 409
    assert response.json()["code"] == "phase_closed"
    mine = await service_client.get("/api/v1/placement-requests", params={"mine": "invited"})
    assert [r["status"] for r in mine.json()["items"]] == ["not_placed"]

"""Every time a pupil's national number, phone, e-mail or street leaves to someone other than
its school, the pupil's history gains one `disclosed` event: the school sees it, no service
ever does, nor another school. Repeats of one reader through one channel on one Brussels day
fold into one event with a count, also when they happen at the same moment."""

import asyncio
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend import clock
from backend.main import create_app
from backend.placements.models import RequestEvent
from tests import factories
from tests.conftest import IS_POSTGRES, make_client
from tests.services_helpers import accept, arrange, close, invite, path, service_clients
from tests.statements import count_statements

ALL_FIELDS = ["national_number", "phone", "email", "street"]
REASON = "Inzageverzoek van de ouders"


async def disclosures(school_client, request_id) -> list[dict]:
    response = await school_client.get(path(request_id, "history"))
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["kind"] == "disclosed"]


async def accepted_pupil(db, school_client, service_client):
    other = (await factories.account(db, "service")).organisation_id
    return await arrange(
        db,
        "accepted_by_me",
        school_id=school_client.account.organisation_id,
        me=service_client.account.organisation_id,
        other=other,
    )


def holds_no_personal_value(event: dict, request) -> None:
    from backend import crypto

    text = json.dumps(event["details"])
    for value in (
        crypto.decrypt(request.national_number_encrypted),
        request.phone,
        request.email,
        request.street,
        request.first_name,
    ):
        assert value not in text


async def test_a_service_reading_its_accepted_pupil_is_told_once_a_day_with_a_count(
    db, school_client, service_client
):
    setup = await accepted_pupil(db, school_client, service_client)
    assert await disclosures(school_client, setup.id) == []
    for _ in range(3):
        assert (await service_client.get(path(setup.id))).status_code == 200

    [event] = await disclosures(school_client, setup.id)
    assert event["details"]["fields"] == ALL_FIELDS
    assert event["details"]["via"] == "detail"
    assert event["details"]["count"] == 3
    assert event["details"]["organisation"] == {
        "id": str(service_client.account.organisation_id),
        "name": service_client.account.name,
    }
    assert "reason" not in event["details"]
    assert event["actor"]["organisation_name"] == service_client.account.name
    holds_no_personal_value(event, setup.request)
    # Its list of accepted pupils shows the same fields: the same channel, the same event.
    mine = await service_client.get("/api/v1/placement-requests", params={"mine": "accepted"})
    assert [r["id"] for r in mine.json()["items"]] == [setup.id]
    [event] = await disclosures(school_client, setup.id)
    assert event["details"]["count"] == 4


async def test_the_next_brussels_day_is_a_new_event(db, school_client, service_client):
    # Five minutes before midnight in Brussels (the sign-ins are renewed after the jump).
    now = clock.now().astimezone(clock.BRUSSELS)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), clock.BRUSSELS)
    clock.shift(midnight - timedelta(minutes=5) - now)
    for client in (school_client, service_client):
        token = await factories.login(client, client.account.email)
        client.headers["Authorization"] = f"Bearer {token}"
    setup = await accepted_pupil(db, school_client, service_client)
    await service_client.get(path(setup.id))
    await service_client.get(path(setup.id))
    clock.shift(timedelta(minutes=10))
    await service_client.get(path(setup.id))
    assert [e["details"]["count"] for e in await disclosures(school_client, setup.id)] == [2, 1]


async def test_services_that_did_not_accept_are_shown_nothing_and_nothing_is_told(
    db, school_client, service_client
):
    other = (await factories.account(db, "service")).organisation_id
    school_id = school_client.account.organisation_id
    me = service_client.account.organisation_id
    for situation in ("open", "invited_by_me", "accepted_by_other", "released"):
        setup = await arrange(db, situation, school_id=school_id, me=me, other=other)
        if situation != "accepted_by_other":
            assert (await service_client.get(path(setup.id))).status_code == 200
        assert await disclosures(school_client, setup.id) == []
    # The school reading its own pupil discloses nothing either.
    setup = await accepted_pupil(db, school_client, service_client)
    await school_client.get(path(setup.id))
    assert await disclosures(school_client, setup.id) == []


async def test_the_acceptance_itself_discloses_the_fields(app, sessionmaker, db, school_client):
    [service] = await service_clients(app, sessionmaker, 1)
    try:
        from tests.services_helpers import a_request

        setup = await a_request(db, school_client.account.organisation_id)
        await invite(service, setup.id)
        assert await disclosures(school_client, setup.id) == []
        assert (await accept(service, setup.id)).status_code == 200
        [event] = await disclosures(school_client, setup.id)
        assert (event["details"]["via"], event["details"]["count"]) == ("detail", 1)
    finally:
        await close(service)


async def test_the_service_export_is_one_event_per_pupil_in_one_statement(
    db, engine, school_client, service_client
):
    pupils = [await accepted_pupil(db, school_client, service_client) for _ in range(3)]
    with count_statements(engine) as statements:
        response = await service_client.get("/api/v1/placement-requests/export/accepted")
    assert response.status_code == 200
    upserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO REQUEST_EVENT")]
    assert len(upserts) == 1, upserts
    for pupil in pupils:
        [event] = await disclosures(school_client, pupil.id)
        assert (event["details"]["via"], event["details"]["count"]) == ("export", 1)
        assert event["details"]["fields"] == ALL_FIELDS
    await service_client.get("/api/v1/placement-requests/export/accepted")
    for pupil in pupils:
        [event] = await disclosures(school_client, pupil.id)
        assert event["details"]["count"] == 2


async def test_only_the_fields_given_are_listed(db, school_client, service_client):
    setup = await accepted_pupil(db, school_client, service_client)
    setup.request.email = ""  # (stored past the API's checks, as an old import may have)
    await db.commit()
    await service_client.get(path(setup.id))
    [event] = await disclosures(school_client, setup.id)
    assert event["details"]["fields"] == ["national_number", "phone", "street"]


async def test_the_admins_reveal_is_told_with_its_reason(
    db, school_client, service_client, admin_client
):
    setup = await accepted_pupil(db, school_client, service_client)
    # The admin's own reads (which show the street) are Stagematch's, not a disclosure.
    assert (await admin_client.get(path(setup.id))).status_code == 200
    assert await disclosures(school_client, setup.id) == []
    for _ in range(2):
        revealed = await admin_client.post(path(setup.id, "reveal"), json={"reason": REASON})
        assert revealed.status_code == 200
    [event] = await disclosures(school_client, setup.id)
    assert event["details"]["via"] == "reveal"
    assert event["details"]["reason"] == REASON
    assert event["details"]["fields"] == ["national_number", "phone", "email"]
    assert event["details"]["count"] == 2
    assert event["actor"]["role"] == "admin"
    holds_no_personal_value(event, setup.request)
    # Another reason is another line.
    await admin_client.post(path(setup.id, "reveal"), json={"reason": "Conflict tussen scholen"})
    assert len(await disclosures(school_client, setup.id)) == 2


async def test_the_admins_export_is_told_only_with_a_reason(
    db, school_client, service_client, admin_client
):
    setup = await accepted_pupil(db, school_client, service_client)
    url = "/api/v1/admin/exports/requests"
    params = {"campaign_id": str(setup.campaign.id)}
    assert (await admin_client.get(url, params=params)).status_code == 200
    assert await disclosures(school_client, setup.id) == []
    assert (await admin_client.get(url, params={**params, "reason": REASON})).status_code == 200
    [event] = await disclosures(school_client, setup.id)
    assert (event["details"]["via"], event["details"]["reason"]) == ("export", REASON)
    assert event["details"]["fields"] == ALL_FIELDS
    # The personal-data download (a reason too) is a reveal.
    found = await admin_client.get(
        f"/api/v1/admin/placement-requests/{setup.id}/personal-data", params={"reason": REASON}
    )
    assert found.status_code == 200
    assert [e["details"]["via"] for e in await disclosures(school_client, setup.id)] == [
        "export",
        "reveal",
    ]


async def test_a_read_with_an_api_token_is_via_api(app, db, school_client, service_client):
    setup = await accepted_pupil(db, school_client, service_client)
    created = await service_client.post(
        "/api/v1/api-tokens", json={"name": "Personeelsdienst", "read_only": True}
    )
    assert created.status_code == 201, created.text
    async with make_client(app) as script:
        script.headers["Authorization"] = f"Bearer {created.json()['token']}"
        for _ in range(2):
            assert (await script.get(path(setup.id))).status_code == 200
        assert (await script.get("/api/v1/placement-requests/export/accepted")).status_code == 200
    [event] = await disclosures(school_client, setup.id)
    assert (event["details"]["via"], event["details"]["count"]) == ("api", 3)
    assert event["details"]["organisation"]["name"] == service_client.account.name


async def test_no_service_and_no_other_school_sees_a_disclosure(
    db, app, sessionmaker, school_client, service_client, other_school_client
):
    setup = await accepted_pupil(db, school_client, service_client)
    await service_client.get(path(setup.id))
    assert len(await disclosures(school_client, setup.id)) == 1
    [other_service] = await service_clients(app, sessionmaker, 1)
    try:
        for service in (service_client, other_service):
            history = await service.get(path(setup.id, "history"))
            assert history.status_code in (403, 404)
            assert "disclosed" not in history.text
        refused = await other_school_client.get(path(setup.id, "history"))
        assert refused.status_code == 404
        assert "disclosed" not in refused.text
        record = await other_school_client.get(path(setup.id, "record"))
        assert record.status_code == 404
    finally:
        await close(other_service)


async def _concurrent_reads(settings, committed, readers: int) -> None:
    app = create_app(settings, sessionmaker=committed)
    async with committed() as session:
        school = await factories.account(session, "school")
        service = await factories.account(session, "service")
        other = await factories.account(session, "service")
        await session.commit()
    async with committed() as session:
        setup = await arrange(
            session,
            "accepted_by_me",
            school_id=school.organisation_id,
            me=service.organisation_id,
            other=other.organisation_id,
        )
    clients = [make_client(app) for _ in range(readers)]
    try:
        token = await factories.login(clients[0], service.email)
        for client in clients:
            client.headers["Authorization"] = f"Bearer {token}"
        barrier = asyncio.Barrier(readers)

        async def read(client):
            await barrier.wait()
            return await client.get(path(setup.id))

        responses = await asyncio.gather(*(read(c) for c in clients))
        assert [r.status_code for r in responses] == [200] * readers
        async with committed() as session:
            rows = (
                await session.execute(
                    select(RequestEvent.times).where(
                        RequestEvent.request_id == setup.request.id,
                        RequestEvent.kind == "disclosed",
                    )
                )
            ).all()
            assert [r.times for r in rows] == [readers]
            assert await session.scalar(select(func.count(RequestEvent.id))) == 1
    finally:
        await close(*clients)


@pytest.mark.postgres_only
@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent writers are only real on PostgreSQL")
async def test_concurrent_reads_fold_into_one_event_on_postgres(settings, committed):
    await _concurrent_reads(settings, committed, readers=12)


async def test_simultaneous_reads_fold_into_one_event(settings, committed):
    # Runs on every database; SQLite serialises the writers, PostgreSQL really races.
    await _concurrent_reads(settings, committed, readers=4)

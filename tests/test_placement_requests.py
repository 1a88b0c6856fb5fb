"""A school enters, lists, reads, edits and withdraws its pupils' requests."""

import uuid

from sqlalchemy import select, text, update

from backend import clock
from backend.placements.models import Invitation, PlacementRequest, RequestEvent, RequestState
from tests import factories
from tests.schools_helpers import REQUESTS, body, create, ready, url
from tests.services_helpers import invite, outbox


async def test_create_answers_the_full_request_with_etag(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    response = await create(school_client, setup.supervisor_id, n=11)
    assert response.status_code == 201, response.text
    data = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"].endswith(data["id"])
    assert data["status"] == "open"
    assert data["phone"] == "+32470123456"  # E.164
    assert data["province"] == "BE-VWV"  # derived from 8000
    assert data["national_number"] == factories.national_number(11)
    assert data["street"] == "Langestraat 12"
    assert data["campaign"]["id"] == setup.campaign_id
    assert data["campaign"]["phase"] == "requests_open"
    assert data["invitations"] == [] and data["acceptance"] is None
    assert data["supervisor"]["id"] == setup.supervisor_id
    assert data["version"] == 1

    events = (
        await db.scalars(
            select(RequestEvent).where(RequestEvent.request_id == uuid.UUID(data["id"]))
        )
    ).all()
    assert [e.kind for e in events] == ["created"]


async def test_national_number_is_encrypted_at_rest(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    number = factories.national_number(12)
    response = await create(school_client, setup.supervisor_id, national_number=number)
    assert response.status_code == 201, response.text
    row = (await db.execute(text("SELECT * FROM placement_request"))).mappings().one()
    dump = " ".join(str(v) for v in row.values())
    assert number not in dump
    assert number[:6] + number[6:] not in dump.replace(".", "").replace("-", "")
    assert row["national_number_hash"] and row["national_number_encrypted"]


async def test_same_pupil_twice_in_a_schools_campaign_is_duplicate(
    school_client, other_school_client, db
):
    setup = await ready(db, school_client.account.organisation_id)
    other_supervisor = await factories.supervisor(db, other_school_client.account.organisation_id)
    await db.commit()
    number = factories.national_number(13)
    assert (
        await create(school_client, setup.supervisor_id, national_number=number)
    ).status_code == 201
    again = await create(
        school_client, setup.supervisor_id, national_number=number[:2] + "." + number[2:]
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate_request"
    # Another school entering the same pupil is neither refused nor told (the admin sees the
    # pair as a conflict: tests/test_conflicts.py).
    other = await create(other_school_client, other_supervisor.id, national_number=number)
    assert other.status_code == 201, other.text


async def test_withdrawn_pupil_can_be_entered_again(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    number = factories.national_number(14)
    first = await create(school_client, setup.supervisor_id, national_number=number)
    assert (await school_client.delete(url(first.json()["id"]))).status_code == 204
    again = await create(school_client, setup.supervisor_id, national_number=number)
    assert again.status_code == 201, again.text


async def test_get_patch_with_if_match(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    created = (await create(school_client, setup.supervisor_id)).json()
    got = await school_client.get(url(created["id"]))
    assert got.status_code == 200 and got.headers["etag"] == '"1"'

    missing = await school_client.patch(url(created["id"]), json={"hours_per_week": 30})
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"

    ok = await school_client.patch(
        url(created["id"]),
        json={"hours_per_week": 30, "city": "Bruges"},
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["hours_per_week"] == 30 and ok.json()["version"] == 2
    assert ok.headers["etag"] == '"2"'

    stale = await school_client.patch(
        url(created["id"]), json={"hours_per_week": 20}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"

    history = (await school_client.get(url(created["id"], "history"))).json()
    assert [e["kind"] for e in history["items"]] == ["created", "updated"]
    assert history["items"][1]["details"]["fields"] == ["city", "hours_per_week"]
    assert history["items"][1]["actor"]["organisation_id"] == str(
        school_client.account.organisation_id
    )


async def test_patch_validates_like_create(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    created = (await create(school_client, setup.supervisor_id)).json()
    bad = await school_client.patch(
        url(created["id"]),
        json={"postcode": "0000", "start_date": None, "form": None},
        headers={"If-Match": "1"},
    )
    assert bad.status_code == 422
    codes = {e["field"]: e["code"] for e in bad.json()["errors"]}
    assert codes == {
        "postcode": "unknown_postcode",
        "start_date": "dates_incomplete",
        "form": "required",
    }
    track_change = await school_client.patch(
        url(created["id"]), json={"track": "stage"}, headers={"If-Match": "1"}
    )
    assert track_change.status_code == 422


async def test_accepted_request_is_locked(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    created = (await create(school_client, setup.supervisor_id)).json()
    await db.execute(
        update(PlacementRequest)
        .where(PlacementRequest.id == uuid.UUID(created["id"]))
        .values(state=RequestState.accepted)
    )
    await db.commit()
    edit = await school_client.patch(
        url(created["id"]), json={"hours_per_week": 30}, headers={"If-Match": "1"}
    )
    assert edit.status_code == 409 and edit.json()["code"] == "request_locked"
    gone = await school_client.delete(url(created["id"]))
    assert gone.status_code == 409 and gone.json()["code"] == "request_locked"


async def test_withdraw_ends_invitations_and_mails_the_services(
    school_client, service_client, db, sessionmaker
):
    setup = await ready(db, school_client.account.organisation_id)
    created = (await create(school_client, setup.supervisor_id)).json()
    assert (await invite(service_client, created["id"])).status_code == 201

    overview = (await school_client.get(REQUESTS)).json()["items"][0]
    assert overview["status"] == "invited"
    assert [i["service"]["name"] for i in overview["invitations"]] == [service_client.account.name]

    assert (await school_client.delete(url(created["id"]))).status_code == 204
    assert (await school_client.get(url(created["id"]))).status_code == 404
    assert (await school_client.get(REQUESTS)).json()["total"] == 0

    invitation = await db.scalar(
        select(Invitation).where(Invitation.request_id == uuid.UUID(created["id"]))
    )
    await db.refresh(invitation)
    assert invitation.outcome.value == "request_withdrawn" and invitation.ended_at is not None
    seen = (await service_client.get(url(created["id"]))).json()
    assert seen["status"] == "withdrawn"
    assert [i["outcome"] for i in seen["invitations"]] == ["request_withdrawn"]

    mails = await outbox(
        sessionmaker, to=service_client.account.email, template="request_withdrawn"
    )
    assert len(mails) == 1 and "Lotte Vermeulen" in mails[0].subject


async def test_overview_filters_sorts_and_paginates(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    other_supervisor = await factories.supervisor(db, school_client.account.organisation_id)
    stage = await factories.campaign(db, "stage")
    await db.commit()
    for first, city, postcode in [
        ("Anna", "Brugge", "8000"),
        ("Bert", "Gent", "9000"),
        ("Cas", "Oostende", "8400"),
    ]:
        r = await create(
            school_client, setup.supervisor_id, first_name=first, city=city, postcode=postcode
        )
        assert r.status_code == 201, r.text
    await factories.placement_request(
        db,
        campaign_id=stage.id,
        school_id=school_client.account.organisation_id,
        supervisor_id=other_supervisor.id,
        first_name="Dirk",
        form=None,
    )
    await db.commit()

    async def names(**params):
        response = await school_client.get(REQUESTS, params=params)
        assert response.status_code == 200, response.text
        return [i["first_name"] for i in response.json()["items"]], response.json()["total"]

    assert await names(track="stage") == (["Dirk"], 1)
    assert await names(supervisor_id=str(other_supervisor.id)) == (["Dirk"], 1)
    assert await names(q="gEnt") == (["Bert"], 1)
    assert await names(q="8400") == (["Cas"], 1)
    assert await names(q="100%") == ([], 0)
    assert await names(sort="name", track="duaal") == (["Anna", "Bert", "Cas"], 3)
    assert await names(sort="name", page_size=2, page=2, track="duaal") == (["Cas"], 3)
    assert (await names(status="open"))[1] == 4
    assert (await names(status="accepted"))[1] == 0
    # The school's withdrawn requests are a list of their own (issue 18): none here.
    assert await names(status="withdrawn") == ([], 0)
    bad = await school_client.get(REQUESTS, params={"status": "gone"})
    assert bad.status_code == 422


async def test_not_placed_after_the_decision_deadline(school_client, db):
    setup = await ready(db, school_client.account.organisation_id, phase="closed")
    await factories.placement_request(
        db,
        campaign_id=setup.campaign.id,
        school_id=school_client.account.organisation_id,
        supervisor_id=setup.supervisor.id,
    )
    await db.commit()
    listed = (await school_client.get(REQUESTS, params={"status": "not_placed"})).json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "not_placed"
    assert (await school_client.get(REQUESTS, params={"status": "open"})).json()["total"] == 0


async def test_no_campaign_at_all(school_client, db):
    supervisor = await factories.supervisor(db, school_client.account.organisation_id)
    await db.commit()
    response = await school_client.post(REQUESTS, json=body(supervisor.id, track="stage"))
    assert response.status_code == 409 and response.json()["code"] in (
        "no_open_campaign",
        "phase_closed",
    )


async def test_unknown_fields_are_refused(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    response = await create(school_client, setup.supervisor_id, school_id="x", status="accepted")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"school_id", "status"}


async def test_what_each_viewer_sees(
    school_client, service_client, admin_client, app, sessionmaker, db
):
    from backend.audit.models import AuditEntry
    from backend.placements.models import Acceptance
    from tests.conftest import _role_client

    setup = await ready(db, school_client.account.organisation_id)
    created = (await create(school_client, setup.supervisor_id, n=201)).json()
    other = await _role_client(app, sessionmaker, "service", postcode="8000")
    try:
        assert (await invite(service_client, created["id"])).status_code == 201
        assert (await invite(other, created["id"])).status_code == 201

        seen = (await service_client.get(url(created["id"]))).json()
        for hidden in ("street", "national_number", "phone", "email", "acceptance"):
            assert hidden not in seen
        assert [i["service"]["id"] for i in seen["invitations"]] == [
            str(service_client.account.organisation_id)
        ]
        assert seen["supervisor"]["email"] and seen["school"]["name"] == school_client.account.name

        as_admin = (await admin_client.get(url(created["id"]))).json()
        assert as_admin["street"] == "Langestraat 12"
        for hidden in ("national_number", "phone", "email"):
            assert hidden not in as_admin
        assert len(as_admin["invitations"]) == 2

        own = (await school_client.get(url(created["id"]))).json()
        assert len(own["invitations"]) == 2 and own["national_number"]

        revealed = await admin_client.post(
            url(created["id"], "reveal"), json={"reason": "Vraag van de leerling"}
        )
        assert revealed.status_code == 200
        assert revealed.json()["national_number"] == factories.national_number(201)
        entry = await db.scalar(
            select(AuditEntry).where(AuditEntry.action == "national_number_revealed")
        )
        assert entry.details["reason"] == "Vraag van de leerling"
        assert (
            await school_client.post(url(created["id"], "reveal"), json={"reason": "zomaar"})
        ).status_code == 403

        # The accepting service sees the contact data (accepting itself is the services' work).
        request_id = uuid.UUID(created["id"])
        db.add(
            Acceptance(
                request_id=request_id,
                service_id=service_client.account.organisation_id,
                accepted_at=clock.now(),
                notes="Start in januari",
                contact_name="An",
                contact_phone="+3250123456",
                contact_email="an@dienst.be",
            )
        )
        await db.execute(
            update(PlacementRequest)
            .where(PlacementRequest.id == request_id)
            .values(
                state=RequestState.accepted,
                accepted_service_id=service_client.account.organisation_id,
            )
        )
        await db.commit()
        winner = (await service_client.get(url(created["id"]))).json()
        assert winner["national_number"] == factories.national_number(201)
        assert winner["phone"] == "+32470123456" and winner["street"] == "Langestraat 12"
        assert winner["acceptance"]["notes"] == "Start in januari"
        school_view = (await school_client.get(url(created["id"]))).json()
        assert school_view["status"] == "accepted"
        assert school_view["acceptance"]["contact_person"] == {
            "name": "An",
            "phone": "+3250123456",
            "email": "an@dienst.be",
        }
    finally:
        await other.aclose()

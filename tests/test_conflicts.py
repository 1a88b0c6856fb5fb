"""A pupil entered by two schools in one campaign: neither school is told, the admin sees the
pair (`GET /admin/campaigns/{id}/conflicts`) and withdraws one side with a reason.

The rule for acceptance (docs/DECISIONS.md): a conflict changes nothing for the services.
Either side may be accepted, also both; the list shows each side's status, and the admin
withdraws a side that is not accepted (an accepted one only after its service released it)."""

import uuid

from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.placements.models import PlacementRequest, RequestState
from tests import factories
from tests.schools_helpers import create, url
from tests.services_helpers import accept, close, invite, outbox, release, service_clients

ADMIN = "/api/v1/admin"
PRIVATE = ("national_number", "phone", "email", "street")


def _conflicts_url(campaign_id) -> str:
    return f"{ADMIN}/campaigns/{campaign_id}/conflicts"


def _withdraw_url(request_id) -> str:
    return f"{ADMIN}/placement-requests/{request_id}/withdraw"


async def _request(db, campaign, school_id, number, **overrides):
    supervisor = await factories.supervisor(db, school_id)
    return await factories.placement_request(
        db,
        campaign_id=campaign.id,
        school_id=school_id,
        supervisor_id=supervisor.id,
        national_number=number,
        **overrides,
    )


async def test_the_admin_sees_each_pair_of_schools_that_entered_one_pupil(admin_client, db):
    campaign = await factories.campaign(db)
    other_campaign = await factories.campaign(db)
    schools = [await factories.account(db, "school", name=f"School {c}") for c in "ABCD"]
    number, alone = factories.national_number(601), factories.national_number(602)
    shared = [await _request(db, campaign, s.organisation_id, number) for s in schools[:3]]
    await _request(db, campaign, schools[0].organisation_id, alone)
    # The same pupil in another campaign, and a withdrawn request: no conflict.
    await _request(db, other_campaign, schools[3].organisation_id, number)
    await _request(db, campaign, schools[3].organisation_id, number, state=RequestState.withdrawn)
    await db.commit()

    response = await admin_client.get(_conflicts_url(campaign.id))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 3 and body["page"] == 1
    pairs = {frozenset((c["first"]["id"], c["second"]["id"])) for c in body["items"]}
    ids = [str(r.id) for r in shared]
    assert pairs == {
        frozenset((ids[0], ids[1])),
        frozenset((ids[0], ids[2])),
        frozenset((ids[1], ids[2])),
    }
    side = body["items"][0]["first"]
    assert side.keys() == {
        "id",
        "school",
        "first_name",
        "last_name",
        "status",
        "created_at",
        "actions",
    }
    assert side["status"] == "open" and side["actions"] == ["withdraw"]
    assert side["school"]["name"].startswith("School ")
    for conflict in body["items"]:
        first, second = conflict["first"], conflict["second"]
        assert first["school"]["id"] != second["school"]["id"]
        assert first["created_at"] <= second["created_at"]
    assert not any(field in response.text for field in PRIVATE)
    assert number not in response.text

    paged = (await admin_client.get(_conflicts_url(campaign.id), params={"page_size": 2})).json()
    second_page = (
        await admin_client.get(_conflicts_url(campaign.id), params={"page_size": 2, "page": 2})
    ).json()
    assert len(paged["items"]) == 2 and len(second_page["items"]) == 1
    assert paged["total"] == second_page["total"] == 3
    assert (await admin_client.get(_conflicts_url(other_campaign.id))).json()["total"] == 0
    assert (await admin_client.get(_conflicts_url(uuid.uuid4()))).status_code == 404


async def test_schools_and_services_see_no_conflict_and_cannot_ask(
    school_client, other_school_client, service_client, db
):
    campaign = await factories.campaign(db)
    number = factories.national_number(603)
    mine = await _request(db, campaign, school_client.account.organisation_id, number)
    await _request(db, campaign, other_school_client.account.organisation_id, number)
    alone = await _request(
        db, campaign, school_client.account.organisation_id, factories.national_number(604)
    )
    await db.commit()
    for client in (school_client, service_client):
        listed = await client.get(_conflicts_url(campaign.id))
        assert listed.status_code == 403 and listed.json()["code"] == "forbidden"
        withdrawn = await client.post(_withdraw_url(mine.id), json={"reason": "Dubbel"})
        assert withdrawn.status_code == 403
    # The school's own request reads exactly like one without a twin elsewhere.
    conflicted = (await school_client.get(url(mine.id))).json()
    plain = (await school_client.get(url(alone.id))).json()
    assert conflicted.keys() == plain.keys()
    browsed = (await service_client.get(url(mine.id))).json()
    assert browsed.keys() == (await service_client.get(url(alone.id))).json().keys()


async def test_the_admin_withdraws_one_side_with_a_reason(
    admin_client, school_client, other_school_client, service_client, sessionmaker, db
):
    campaign = await factories.campaign(db)
    first = await factories.supervisor(db, school_client.account.organisation_id)
    second = await factories.supervisor(db, other_school_client.account.organisation_id)
    await db.commit()
    number = factories.national_number(605)
    kept = (await create(school_client, first.id, national_number=number)).json()
    twin = (await create(other_school_client, second.id, national_number=number)).json()
    assert (await invite(service_client, twin["id"])).status_code == 201
    [conflict] = (await admin_client.get(_conflicts_url(campaign.id))).json()["items"]
    assert (conflict["first"]["id"], conflict["second"]["id"]) == (kept["id"], twin["id"])
    assert conflict["second"]["status"] == "invited"

    for body in ({}, {"reason": "kort"}, {"reason": "Dubbel ingevoerd", "school_id": "x"}):
        refused = await admin_client.post(_withdraw_url(twin["id"]), json=body)
        assert refused.status_code == 422, body
    reason = "Leerling zit sinds september op Sint-Jan; de andere school bevestigt"
    done = await admin_client.post(_withdraw_url(twin["id"]), json={"reason": reason})
    assert done.status_code == 204, done.text

    assert (await admin_client.get(_conflicts_url(campaign.id))).json()["total"] == 0
    assert (await other_school_client.get(url(twin["id"]))).status_code == 404
    assert (await school_client.get(url(kept["id"]))).status_code == 200
    assert (await admin_client.get(url(twin["id"]))).json()["status"] == "withdrawn"
    history = (await admin_client.get(url(twin["id"], "history"))).json()["items"]
    assert history[-1]["kind"] == "withdrawn"
    assert history[-1]["details"] == {"reason": reason}
    assert history[-1]["actor"]["role"] == "admin"
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "request_withdrawn"))
    assert entry.object_id == twin["id"] and entry.details["reason"] == reason
    assert entry.actor_user_id == admin_client.account.user_id

    [to_service] = await outbox(sessionmaker, service_client.account.email, "request_withdrawn")
    assert "beheerder" in to_service.body_text and twin["first_name"] in to_service.body_text
    to_school = await outbox(sessionmaker, other_school_client.account.email)
    assert [m.template for m in to_school] == ["pupil_invited", "request_withdrawn_by_admin"]
    to_school = to_school[-1]
    # The reason may name the other school: it stays in the history and the audit log.
    assert reason not in to_school.body_text and "Sint-Jan" not in to_school.body_text
    assert await outbox(sessionmaker, school_client.account.email) == []  # the kept side

    again = await admin_client.post(_withdraw_url(twin["id"]), json={"reason": reason})
    assert again.status_code == 409 and again.json()["code"] == "request_withdrawn"
    # The school may enter the pupil anew; the pair is listed again.
    assert (await create(other_school_client, second.id, national_number=number)).is_success
    assert (await admin_client.get(_conflicts_url(campaign.id))).json()["total"] == 1


async def test_a_conflict_neither_blocks_nor_signals_acceptance_and_the_admin_resolves_it(
    app, admin_client, school_client, other_school_client, service_client, sessionmaker, db
):
    """Both sides may be accepted, each service answered as without a twin; an accepted side
    is not withdrawn by the admin (`request_locked`) until its service released it."""
    campaign = await factories.campaign(db)
    first = await factories.supervisor(db, school_client.account.organisation_id)
    second = await factories.supervisor(db, other_school_client.account.organisation_id)
    await db.commit()
    number = factories.national_number(606)
    a = (await create(school_client, first.id, national_number=number)).json()
    b = (await create(other_school_client, second.id, national_number=number)).json()
    [other_service] = await service_clients(app, sessionmaker, 1)
    try:
        for request_id in (a["id"], b["id"]):
            assert (await invite(service_client, request_id)).status_code == 201
        assert (await invite(other_service, b["id"])).status_code == 201
        mails_before = len(await outbox(sessionmaker))

        accepted = await accept(service_client, a["id"])
        assert accepted.status_code == 200, accepted.text
        # Only school A hears of it; B, its school and the services on B are untouched.
        mails = (await outbox(sessionmaker))[mails_before:]
        assert [(m.template, m.to_address) for m in mails] == [
            ("pupil_accepted", school_client.account.email)
        ]
        seen_b = (await other_service.get(url(b["id"]))).json()
        assert seen_b["status"] == "invited" and "acceptance" not in seen_b

        [conflict] = (await admin_client.get(_conflicts_url(campaign.id))).json()["items"]
        assert conflict["first"]["status"] == "accepted" and conflict["first"]["actions"] == []
        assert conflict["second"]["status"] == "invited"
        assert conflict["second"]["actions"] == ["withdraw"]

        # The second acceptance is not refused either: a shared number may be a typo.
        also = await accept(other_service, b["id"])
        assert also.status_code == 200, also.text
        [conflict] = (await admin_client.get(_conflicts_url(campaign.id))).json()["items"]
        assert [conflict[s]["status"] for s in ("first", "second")] == ["accepted", "accepted"]
        reason = {"reason": "Dezelfde leerling bij twee scholen"}
        locked = await admin_client.post(_withdraw_url(b["id"]), json=reason)
        assert locked.status_code == 409 and locked.json()["code"] == "request_locked"

        assert (await release(other_service, b["id"])).status_code == 200
        [conflict] = (await admin_client.get(_conflicts_url(campaign.id))).json()["items"]
        assert conflict["second"]["actions"] == ["withdraw"]
        assert (await admin_client.post(_withdraw_url(b["id"]), json=reason)).status_code == 204
        assert (await admin_client.get(_conflicts_url(campaign.id))).json()["items"] == []
        state = await db.scalar(
            select(PlacementRequest.state).where(PlacementRequest.id == uuid.UUID(a["id"]))
        )
        assert state == RequestState.accepted
    finally:
        await close(other_service)


async def test_no_withdrawal_after_the_decision_deadline(admin_client, school_client, db):
    campaign = await factories.campaign(db, phase="closed")
    request = await _request(
        db, campaign, school_client.account.organisation_id, factories.national_number(607)
    )
    await db.commit()
    refused = await admin_client.post(
        _withdraw_url(request.id), json={"reason": "Dubbel ingevoerd"}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "phase_closed"
    missing = await admin_client.post(
        _withdraw_url(uuid.uuid4()), json={"reason": "Dubbel ingevoerd"}
    )
    assert missing.status_code == 404

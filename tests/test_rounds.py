"""A second round (issue 16, point 1): after the decision deadline the admin opens a round with
its own deadline; every `not_placed` request is open again in it for every service, the
schools and services are mailed once, requests settled earlier stay final, and at the round's
deadline the requests still without a place are `not_placed` again."""

from datetime import timedelta

from sqlalchemy import select

from backend import clock
from backend.campaigns.models import Campaign
from backend.placements.models import Invitation, InvitationOutcome, RequestState
from tests import factories
from tests.services_helpers import ACCEPT_BODY, accept, invite, outbox, path, release

CAMPAIGNS = "/api/v1/campaigns"


async def _request(db, campaign, school_id, state=RequestState.open, **kw):
    supervisor = await factories.supervisor(db, school_id)
    return await factories.placement_request(
        db,
        campaign_id=campaign.id,
        school_id=school_id,
        supervisor_id=supervisor.id,
        state=state,
        **kw,
    )


async def _closed_campaign(db, school, other_school, first, second):
    """A closed campaign: `invited` (by `first`, pending), `open`, `accepted` (by `first`),
    `withdrawn` requests of `school`, and an open one of `other_school`."""
    campaign = await factories.campaign(db, phase="closed")
    at = campaign.decision_deadline - timedelta(days=5)
    invited = await _request(db, campaign, school, RequestState.invited, postcode="8400")
    db.add(Invitation(request_id=invited.id, service_id=first, invited_at=at))
    unseen = await _request(db, campaign, school, postcode="9000")
    accepted = await _request(
        db, campaign, school, RequestState.accepted, accepted_service_id=first
    )
    db.add(
        Invitation(
            request_id=accepted.id,
            service_id=first,
            invited_at=at,
            outcome=InvitationOutcome.accepted,
            ended_at=at,
        )
    )
    from backend.placements.models import Acceptance

    db.add(
        Acceptance(
            request_id=accepted.id,
            service_id=first,
            accepted_at=at,
            notes="Welkom",
            contact_name="An Peeters",
            contact_phone="+3250123456",
            contact_email="an@dienst.be",
        )
    )
    withdrawn = await _request(db, campaign, school, RequestState.withdrawn, withdrawn_at=at)
    elsewhere = await _request(db, campaign, other_school, postcode="8400")
    await db.commit()
    return campaign, invited, unseen, accepted, withdrawn, elsewhere


async def test_a_second_round_opens_the_not_placed_to_every_service_until_its_deadline(
    db, sessionmaker, admin_client, school_client, service_client, app
):
    from tests.services_helpers import service_clients

    (never,) = await service_clients(app, sessionmaker, 1, postcode="9000")
    other_school = await factories.account(db, "school", postcode="9000")
    first = service_client.account.organisation_id
    campaign, invited, unseen, accepted, withdrawn, elsewhere = await _closed_campaign(
        db, school_client.account.organisation_id, other_school.organisation_id, first, None
    )
    before = (await admin_client.get(f"{CAMPAIGNS}/{campaign.id}")).json()
    assert (before["phase"], before["round"], len(before["rounds"])) == ("closed", 1, 1)
    assert before["actions"]["admin"] == ["open_round"]
    assert (await school_client.get(path(unseen.id))).json()["status"] == "not_placed"

    deadline = clock.now() + timedelta(minutes=5)
    opened = await admin_client.post(
        f"{CAMPAIGNS}/{campaign.id}/rounds", json={"decision_deadline": deadline.isoformat()}
    )
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert (body["round"], body["phase"], body["actions"]["admin"]) == (
        2,
        "decisions_open",
        ["withdraw_request"],
    )
    assert [r["number"] for r in body["rounds"]] == [1, 2]
    assert body["rounds"][1]["decision_deadline"] == body["decision_deadline"]

    # The not placed are open in round 2; the pending invitation ended with the round.
    for request in (invited, unseen):
        shown = (await school_client.get(path(request.id))).json()
        assert (shown["status"], shown["round"], shown["campaign"]["round"]) == ("open", 2, 2)
        assert shown["actions"] == ["edit", "withdraw_request"]
    shown = (await school_client.get(path(invited.id))).json()
    assert [i["outcome"] for i in shown["invitations"]] == ["round_ended"]
    # Settled in round 1: final.
    kept = (await school_client.get(path(accepted.id))).json()
    assert (kept["status"], kept["round"], kept["actions"]) == ("accepted", 1, [])
    mine = (await service_client.get(path(accepted.id))).json()
    assert mine["actions"] == []
    refused = await release(service_client, accepted.id)
    assert (refused.status_code, refused.json()["code"]) == (409, "request_final")

    # A service that never invited in round 1 finds, invites and accepts a round-2 pupil.
    listed = (await never.get("/api/v1/placement-requests", params={"page_size": 100})).json()
    ids = {item["id"]: item for item in listed["items"]}
    assert {str(invited.id), str(unseen.id), str(elsewhere.id)} <= set(ids)
    assert str(accepted.id) not in ids and str(withdrawn.id) not in ids
    assert ids[str(invited.id)]["round"] == 2
    assert (await invite(never, invited.id)).status_code == 201
    taken = await accept(never, invited.id)
    assert taken.status_code == 200, taken.text
    assert (taken.json()["status"], taken.json()["round"]) == ("accepted", 2)
    # The school widens what its other pupil accepts while the round runs.
    version = (await school_client.get(path(unseen.id))).json()["version"]
    widened = await school_client.patch(
        path(unseen.id),
        json={"transport_modes": ["bike", "public_transport", "car"]},
        headers={"If-Match": f'"{version}"'},
    )
    assert widened.status_code == 200, widened.text

    # The history shows the round's opening.
    history = (await school_client.get(path(invited.id, "history"))).json()
    events = history["items"] if isinstance(history, dict) else history
    opened_event = next(e for e in events if e["kind"] == "round_opened")
    assert opened_event["details"]["round"] == 2

    # One mail per school, naming its pupils; one per service, with how many are near it.
    mails = await outbox(sessionmaker, template="round_opened_school")
    assert sorted(m.to_address for m in mails) == sorted(
        [school_client.account.email, other_school.email]
    )
    own = next(m for m in mails if m.to_address == school_client.account.email)
    assert invited.first_name in own.body_text and unseen.first_name in own.body_text
    assert accepted.first_name not in own.body_text
    services = await outbox(sessionmaker, template="round_opened_service")
    by_service = {m.to_address: m for m in services}
    assert len(by_service) == len(services)
    assert {service_client.account.email, never.account.email} <= set(by_service)
    # Two of the three round pupils live in 8400 (Oostende), one in 9000 (Gent).
    assert by_service[service_client.account.email].subject.startswith("Ronde 2: 2 leerlingen")
    assert by_service[never.account.email].subject.startswith("Ronde 2: 1 leerling ")

    # At the round's deadline the pupils still without a place are not placed again.
    clock.shift(timedelta(minutes=6))
    after = (await school_client.get(path(unseen.id))).json()
    assert (after["status"], after["round"], after["actions"]) == ("not_placed", 2, [])
    assert (await school_client.get(path(invited.id))).json()["status"] == "accepted"
    # ... and no longer listed to the services (as after round 1's deadline).
    assert (await invite(service_client, unseen.id)).status_code == 404
    closed = (await admin_client.get(f"{CAMPAIGNS}/{campaign.id}")).json()
    assert (closed["phase"], closed["actions"]["admin"]) == ("closed", ["open_round"])


async def test_a_round_opens_only_after_the_deadline_once_and_with_a_deadline_ahead(
    db, admin_client, school_client
):
    running = await factories.campaign(db, phase="decisions_open")
    closed = await factories.campaign(db, phase="closed")
    await db.commit()
    ahead = (clock.now() + timedelta(days=10)).isoformat()
    early = await admin_client.post(
        f"{CAMPAIGNS}/{running.id}/rounds", json={"decision_deadline": ahead}
    )
    assert (early.status_code, early.json()["code"]) == (409, "round_not_allowed")
    assert early.json()["deadline"]
    shown = (await admin_client.get(f"{CAMPAIGNS}/{running.id}")).json()
    assert "open_round" not in shown["actions"]["admin"]

    past = await admin_client.post(
        f"{CAMPAIGNS}/{closed.id}/rounds",
        json={"decision_deadline": (clock.now() - timedelta(hours=1)).isoformat()},
    )
    assert past.status_code == 422, past.text
    assert past.json()["errors"][0]["field"] == "decision_deadline"

    by_school = await school_client.post(
        f"{CAMPAIGNS}/{closed.id}/rounds", json={"decision_deadline": ahead}
    )
    assert by_school.status_code == 403

    assert (
        await admin_client.post(
            f"{CAMPAIGNS}/{closed.id}/rounds", json={"decision_deadline": ahead}
        )
    ).status_code == 201
    again = await admin_client.post(
        f"{CAMPAIGNS}/{closed.id}/rounds", json={"decision_deadline": ahead}
    )
    assert (again.status_code, again.json()["code"]) == (409, "round_not_allowed")
    closed_id = closed.id
    db.expire_all()
    assert await db.scalar(select(Campaign.round).where(Campaign.id == closed_id)) == 2

    # Moving the round's deadline moves its row of the history.
    later = clock.now() + timedelta(days=12)
    moved = await admin_client.patch(
        f"{CAMPAIGNS}/{closed_id}", json={"decision_deadline": later.isoformat()}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["rounds"][-1]["decision_deadline"] == moved.json()["decision_deadline"]
    assert moved.json()["rounds"][0]["decision_deadline"] != moved.json()["decision_deadline"]


async def test_no_round_opens_on_a_campaign_whose_pupils_were_erased(db, admin_client):
    campaign = await factories.campaign(db, phase="closed")
    campaign.purged_at = clock.now()
    campaign_id = campaign.id
    await db.commit()
    shown = (await admin_client.get(f"{CAMPAIGNS}/{campaign_id}")).json()
    assert shown["actions"]["admin"] == []
    ahead = (clock.now() + timedelta(days=10)).isoformat()
    refused = await admin_client.post(
        f"{CAMPAIGNS}/{campaign_id}/rounds", json={"decision_deadline": ahead}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "round_not_allowed")


async def test_a_created_campaign_has_its_first_round(admin_client):
    created = await admin_client.post(
        CAMPAIGNS,
        json={
            "school_year": "2031-2032",
            "track": "duaal",
            "opens_at": "2031-09-01",
            "request_deadline": "2031-11-15",
            "decision_deadline": "2031-11-30",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["round"] == 1
    assert [(r["number"], r["decision_deadline"]) for r in body["rounds"]] == [
        (1, body["decision_deadline"])
    ]


async def test_the_rounds_decision_deadline_is_reminded_apart_from_the_first(
    db, sessionmaker, admin_client
):
    from backend.mail.worker import send_reminders

    campaign = await factories.campaign(db, phase="closed")
    school = await factories.account(db, "school")
    await _request(db, campaign, school.organisation_id)
    # Round 1's decision deadline was reminded.
    from backend.campaigns.models import ReminderSent

    db.add(
        ReminderSent(
            campaign_id=campaign.id,
            deadline="decision_deadline",
            organisation_id=school.organisation_id,
            sent_at=campaign.decision_deadline - timedelta(days=3),
        )
    )
    await db.commit()
    deadline = clock.now() + timedelta(days=10)
    opened = await admin_client.post(
        f"{CAMPAIGNS}/{campaign.id}/rounds", json={"decision_deadline": deadline.isoformat()}
    )
    assert opened.status_code == 201, opened.text
    clock.freeze(deadline - timedelta(days=2))
    assert await send_reminders(sessionmaker) == 1
    assert await send_reminders(sessionmaker) == 0
    reminded = await outbox(sessionmaker, to=school.email, template="reminder_school")
    assert len(reminded) == 1


async def test_a_service_may_release_a_pupil_it_accepted_in_the_round(
    db, sessionmaker, admin_client, school_client, service_client
):
    campaign = await factories.campaign(db, phase="closed")
    request = await _request(db, campaign, school_client.account.organisation_id)
    await db.commit()
    deadline = clock.now() + timedelta(days=10)
    assert (
        await admin_client.post(
            f"{CAMPAIGNS}/{campaign.id}/rounds", json={"decision_deadline": deadline.isoformat()}
        )
    ).status_code == 201
    assert (await invite(service_client, request.id)).status_code == 201
    assert (await accept(service_client, request.id, ACCEPT_BODY)).status_code == 200
    shown = (await service_client.get(path(request.id))).json()
    assert shown["actions"] == ["release"]
    released = await release(service_client, request.id)
    assert released.status_code == 200, released.text
    assert (released.json()["status"], released.json()["round"]) == ("open", 2)


async def test_two_admins_opening_at_once_open_one_round(settings, committed):
    # Each request on its own connection: SQLite serialises the writers, PostgreSQL races.
    import asyncio

    from backend.campaigns.models import CampaignRound
    from backend.main import create_app
    from tests.conftest import make_client

    app = create_app(settings, sessionmaker=committed)
    async with committed() as session:
        admins = [await factories.account(session, "admin") for _ in range(2)]
        school = await factories.account(session, "school")
        campaign = await factories.campaign(session, phase="closed")
        await _request(session, campaign, school.organisation_id)
        await session.commit()
    clients = [make_client(app) for _ in admins]
    try:
        for client, account in zip(clients, admins, strict=True):
            token = await factories.login(client, account.email)
            client.headers["Authorization"] = f"Bearer {token}"
        barrier = asyncio.Barrier(len(clients))
        deadline = (clock.now() + timedelta(days=10)).isoformat()

        async def at_once(client):
            await barrier.wait()
            return await client.post(
                f"{CAMPAIGNS}/{campaign.id}/rounds", json={"decision_deadline": deadline}
            )

        answers = await asyncio.gather(*(at_once(c) for c in clients))
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        assert {a.json()["code"] for a in answers if a.status_code == 409} == {"round_not_allowed"}
        async with committed() as session:
            rounds = (
                await session.scalars(
                    select(CampaignRound.number).where(CampaignRound.campaign_id == campaign.id)
                )
            ).all()
            assert sorted(rounds) == [1, 2]
            assert (
                await session.scalar(select(Campaign.round).where(Campaign.id == campaign.id)) == 2
            )
        mails = await outbox(committed, to=school.email, template="round_opened_school")
        assert len(mails) == 1
    finally:
        for client in clients:
            await client.aclose()


async def test_a_moment_beyond_the_calendars_reach_is_refused_never_a_500(db, admin_client):
    """A round's deadline (or any campaign moment) in year 9999, or ten years ahead: 422
    `moment_out_of_range`, not an overflow converting it to UTC, nor a campaign whose pupils'
    erasure (counted from that deadline) lies centuries ahead."""
    closed = await factories.campaign(db, phase="closed")
    await db.commit()
    too_far = (clock.now() + timedelta(days=366 * 11)).isoformat()
    for deadline in ("9999-12-31T23:00:00-12:00", "9999-12-31", too_far):
        refused = await admin_client.post(
            f"{CAMPAIGNS}/{closed.id}/rounds", json={"decision_deadline": deadline}
        )
        assert refused.status_code == 422, refused.text
        [wrong] = refused.json()["errors"]
        assert (wrong["field"], wrong["code"]) == ("decision_deadline", "moment_out_of_range")
    moved = await admin_client.patch(
        f"{CAMPAIGNS}/{closed.id}", json={"decision_deadline": "9999-12-31T23:00:00-12:00"}
    )
    assert moved.status_code == 422 and moved.json()["errors"][0]["code"] == "moment_out_of_range"
    created = await admin_client.post(
        CAMPAIGNS,
        json={
            "school_year": "2031-2032",
            "track": "stage",
            "opens_at": "0001-01-01T00:00:00+14:00",
            "request_deadline": "2031-11-15",
            "decision_deadline": "2031-11-30",
        },
    )
    assert created.status_code == 422, created.text
    assert created.json()["errors"][0]["field"] == "opens_at"
    assert (await admin_client.get("/api/v1/admin/retention")).status_code == 200

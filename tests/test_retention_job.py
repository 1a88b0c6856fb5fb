"""Retention that runs itself: the worker mails the admins 30 days before a campaign's date
(once), erases its pupils' personal data at that date and not before, in committed batches
that resume after a crash, and the admin may postpone it once, with a reason."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend import clock, crypto
from backend.admin import retention
from backend.audit.models import AuditEntry
from backend.campaigns.models import Campaign
from backend.mail import worker
from backend.mail.models import OutboxMail
from backend.placements.models import PlacementRequest, RequestEvent
from tests import factories, schools_helpers, services_helpers
from tests.test_retention import _all_text, _contains

API = "/api/v1"
PUPILS = (
    ("Zoë", "Vandeputte", "Bloemenlaan 77", "0471 98 76 54", "zoe.vandeputte@example.be"),
    ("Mathis", "Goossenaerts", "Dorpsplein 3", "0472 11 22 33", "mathis.g@example.be"),
    ("Ines", "Wijnendaele", "Molenweg 150", "0473 44 55 66", "ines.w@example.be"),
)


async def _pupils_everywhere(db, school_client, service_client, admin_client):
    """A campaign with three pupils entered, invited and accepted through the API (mails to
    the school, history), revealed and exported by the admin with reasons naming them, and a
    disclosure event; returns the campaign and every personal value."""
    ready = await schools_helpers.ready(db, school_client.account.organisation_id)
    values, ids = [], []
    for first, last, street, phone, email in PUPILS:
        number = factories.national_number()
        created = await schools_helpers.create(
            school_client,
            ready.supervisor_id,
            first_name=first,
            last_name=last,
            street=street,
            phone=phone,
            email=email,
            national_number=number,
            remarks=f"{first} heeft diabetes",
        )
        assert created.status_code == 201, created.text
        request_id = created.json()["id"]
        ids.append(uuid.UUID(request_id))
        assert (await services_helpers.invite(service_client, request_id)).status_code == 201
        accepted = await services_helpers.accept(
            service_client,
            request_id,
            {**services_helpers.ACCEPT_BODY, "notes": f"{first} {last} start maandag"},
        )
        assert accepted.status_code in (200, 201), accepted.text
        revealed = await admin_client.post(
            f"{API}/placement-requests/{request_id}/reveal",
            json={"reason": f"De moeder van {first} {last} belde"},
        )
        assert revealed.status_code == 200, revealed.text
        exported = await admin_client.get(
            f"{API}/admin/placement-requests/{request_id}/personal-data",
            params={"reason": f"Inzageverzoek {last}"},
        )
        assert exported.status_code == 200
        stored = await db.get(PlacementRequest, ids[-1], populate_existing=True)
        values += [first, last, street, stored.phone, email, number]
    await db.commit()
    return ready.campaign, values, ids


async def _sign_in_again(client) -> None:
    """After the clock moved by months, the old access token has run out."""
    token = await factories.login(client, client.account.email)
    client.headers["Authorization"] = f"Bearer {token}"


def _settings(settings, **changes):
    return settings.model_copy(update={"retention_batch_size": 2, **changes})


async def _notices(db, campaign) -> int:
    """The notices mailed about `campaign`."""
    return await db.scalar(
        select(func.count(OutboxMail.id)).where(
            OutboxMail.template == "retention_notice",
            OutboxMail.subject.contains(campaign.school_year),
        )
    )


async def test_the_worker_erases_a_campaign_at_its_date_after_one_notice(
    db, sessionmaker, settings, school_client, service_client, admin_client
):
    settings = _settings(settings)
    campaign, personal, ids = await _pupils_everywhere(
        db, school_client, service_client, admin_client
    )
    # A later campaign (its decision deadline 15 days after this one's) is left alone.
    recent = await services_helpers.a_request(
        db, school_client.account.organisation_id, phase="before_open", first_name="Bertje"
    )
    text = await _all_text(db)
    in_clear = [v for i, v in enumerate(personal) if i % 6 != 5]  # the number is encrypted
    assert all(_contains(text, v) for v in in_clear)
    purge_at = retention.add_months(campaign.decision_deadline, settings.retention_months)
    assert purge_at.date() > (campaign.decision_deadline + timedelta(days=540)).date()

    async def run_at(at):
        clock.freeze(at)
        return await worker.run_retention(sessionmaker, settings)

    # Until 30 days before: nothing.
    assert (await run_at(purge_at - timedelta(days=31))).campaigns == []
    assert await _notices(db, campaign) == 0
    # 30 days before: one notice to each admin, once; nothing erased.
    notice_at = purge_at - retention.NOTICE_AHEAD + timedelta(hours=1)
    assert (await run_at(notice_at)).campaigns == []
    assert (await run_at(purge_at - timedelta(days=2))).campaigns == []
    assert await _notices(db, campaign) == 1
    notice = await db.scalar(
        select(OutboxMail).where(
            OutboxMail.template == "retention_notice",
            OutboxMail.subject.contains(campaign.school_year),
        )
    )
    assert notice.to_address == admin_client.account.email
    # The date the notice announces: never sooner than 30 days after it (an hour after
    # `purge_at`, which crosses midnight when the test runs late in the evening).
    announced = notice_at + retention.NOTICE_AHEAD
    assert announced.astimezone(clock.BRUSSELS).strftime("%d/%m/%Y") in notice.body_text
    # An hour before its date: still all there.
    assert (await run_at(purge_at - timedelta(hours=1))).campaigns == []
    text = await _all_text(db)
    assert all(_contains(text, v) for v in in_clear)

    report = await run_at(purge_at + timedelta(hours=1))
    assert report.requests == 3 and len(report.campaigns) == 1
    assert report.mails >= 3  # the school's invitation and acceptance mails

    text = await _all_text(db)
    for value in personal:
        assert not _contains(text, value), value
    assert _contains(text, "Bertje")  # the recent campaign's pupil stays
    assert (await db.get(PlacementRequest, recent.request.id, populate_existing=True)).street
    # The disclosures stay (the admin's reveals and downloads named the pupil in their
    # reason): which fields went to whom and how, without the free text.
    disclosed = (
        await db.scalars(
            select(RequestEvent)
            .where(RequestEvent.kind == "disclosed", RequestEvent.request_id.in_(ids))
            .execution_options(populate_existing=True)
        )
    ).all()
    assert len(disclosed) >= len(ids)
    for event in disclosed:
        assert event.details["fields"] and event.details["via"] in ("detail", "reveal")
        assert event.details["organisation"]["name"]
        assert not event.details.get("reason")
    refreshed = await db.get(Campaign, campaign.id, populate_existing=True)
    assert refreshed.purged_at == purge_at + timedelta(hours=1)
    # Done once: a later pass finds nothing to do and sends no second notice.
    assert (await run_at(purge_at + timedelta(days=3))).campaigns == []
    assert await _notices(db, campaign) == 1
    purged = await db.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "retention_purged", AuditEntry.object_id == str(campaign.id)
        )
    )
    assert purged.details == {"requests": 3}

    # The admin's page shows it.
    await _sign_in_again(admin_client)
    states = (await admin_client.get(f"{API}/admin/retention")).json()["items"]
    mine = next(s for s in states if s["campaign_id"] == str(campaign.id))
    assert mine["purged_at"] and mine["notice_sent_at"] and mine["can_postpone"] is False


async def test_a_campaign_found_late_is_erased_only_30_days_after_its_notice(
    db, sessionmaker, settings, school_client
):
    settings = _settings(settings)
    setup = await services_helpers.a_request(db, school_client.account.organisation_id)
    campaign = setup.campaign
    late = retention.add_months(campaign.decision_deadline, 40)
    clock.freeze(late)
    assert (await worker.run_retention(sessionmaker, settings)).campaigns == []
    assert (
        await _notices(db, campaign) == 0
    )  # no admin to mail in this test, but the notice is recorded
    clock.freeze(late + timedelta(days=29))
    assert (await worker.run_retention(sessionmaker, settings)).campaigns == []
    clock.freeze(late + timedelta(days=30, minutes=1))
    assert (await worker.run_retention(sessionmaker, settings)).requests == 1


async def test_the_admin_postpones_once_and_the_purge_waits(
    db, sessionmaker, settings, school_client, admin_client
):
    settings = _settings(settings)
    setup = await services_helpers.a_request(
        db, school_client.account.organisation_id, first_name="Wannes"
    )
    campaign = setup.campaign
    purge_at = retention.add_months(campaign.decision_deadline, settings.retention_months)
    clock.freeze(purge_at - timedelta(days=20))
    await worker.run_retention(sessionmaker, settings)  # the notice
    await _sign_in_again(admin_client)
    url = f"{API}/admin/campaigns/{campaign.id}/retention/postpone"
    until = purge_at + timedelta(days=180)

    too_early = await admin_client.post(
        url, json={"until": (purge_at - timedelta(days=1)).isoformat(), "reason": "Klacht loopt"}
    )
    assert (
        too_early.status_code == 422 and too_early.json()["code"] == "retention_postpone_too_early"
    )
    no_reason = await admin_client.post(url, json={"until": until.isoformat(), "reason": ""})
    assert no_reason.status_code == 422

    postponed = await admin_client.post(
        url, json={"until": until.isoformat(), "reason": "Klacht bij de toezichtcommissie loopt"}
    )
    assert postponed.status_code == 200, postponed.text
    body = postponed.json()
    assert body["can_postpone"] is False and body["postpone_reason"].startswith("Klacht")
    assert body["purge_at"].startswith(until.date().isoformat())

    again = await admin_client.post(
        url, json={"until": (until + timedelta(days=30)).isoformat(), "reason": "Nog steeds"}
    )
    assert again.status_code == 409 and again.json()["code"] == "retention_already_postponed"
    missing = await admin_client.post(
        f"{API}/admin/campaigns/{uuid.uuid4()}/retention/postpone",
        json={"until": until.isoformat(), "reason": "Klacht loopt"},
    )
    assert missing.status_code == 404

    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "retention_postponed"))
    assert entry.actor_user_id == admin_client.account.user_id
    assert entry.details["reason"].startswith("Klacht") and entry.details["until"]

    # The original date passes: the purge waits.
    clock.freeze(purge_at + timedelta(days=1))
    assert (await worker.run_retention(sessionmaker, settings)).campaigns == []
    assert _contains(await _all_text(db), "Wannes")
    clock.freeze(until + timedelta(minutes=1))
    assert (await worker.run_retention(sessionmaker, settings)).requests == 1
    assert not _contains(await _all_text(db), "Wannes")
    assert await _notices(db, campaign) == 1  # one notice per campaign, postponed or not
    await _sign_in_again(admin_client)
    done = await admin_client.post(
        url, json={"until": (until + timedelta(days=30)).isoformat(), "reason": "Te laat"}
    )
    assert done.status_code == 409 and done.json()["code"] == "retention_done"


async def test_a_purge_cut_short_resumes_where_it_stopped(
    db, sessionmaker, settings, school_client, monkeypatch
):
    settings = _settings(settings)
    school_id = school_client.account.organisation_id
    setup = await services_helpers.a_request(db, school_id, phase="closed")
    for _ in range(4):
        await services_helpers.a_request(db, school_id, campaign=setup.campaign)
    campaign = setup.campaign
    purge_at = retention.add_months(campaign.decision_deadline, settings.retention_months)
    clock.freeze(purge_at - timedelta(days=30))
    await worker.run_retention(sessionmaker, settings)  # the notice

    calls = 0
    original = retention._erase_requests

    async def crash_on_the_second_batch(session, ids):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the worker dies")
        return await original(session, ids)

    monkeypatch.setattr(retention, "_erase_requests", crash_on_the_second_batch)
    clock.freeze(purge_at + timedelta(hours=1))
    with pytest.raises(RuntimeError):
        await worker.run_retention(sessionmaker, settings)

    async def erased() -> int:
        async with sessionmaker() as session:
            return await session.scalar(
                select(func.count(PlacementRequest.id)).where(
                    PlacementRequest.campaign_id == campaign.id,
                    PlacementRequest.national_number_encrypted == "",
                )
            )

    assert await erased() == 2  # the first batch was committed
    monkeypatch.setattr(retention, "_erase_requests", original)
    report = await worker.run_retention(sessionmaker, settings)
    assert report.requests == 3  # the rest
    assert await erased() == 5


async def test_purge_forgets_the_decrypted_numbers_of_this_process(
    db, sessionmaker, settings, school_client
):
    settings = _settings(settings)
    setup = await services_helpers.a_request(db, school_client.account.organisation_id)
    crypto.decrypt(setup.request.national_number_encrypted)
    assert crypto._decrypt_cached.cache_info().currsize > 0
    clock.freeze(retention.add_months(setup.campaign.decision_deadline, 18) - timedelta(days=29))
    await worker.run_retention(sessionmaker, settings)
    clock.shift(timedelta(days=30))
    assert (await worker.run_retention(sessionmaker, settings)).requests == 1
    assert crypto._decrypt_cached.cache_info().currsize == 0

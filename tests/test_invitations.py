"""A service invites a pupil, withdraws its invitation or declines after the interview; the
school hears of each once, in its language, and the history records who did what."""

from sqlalchemy import select, update

from backend.mail.worker import deliver_due
from backend.organisations.models import Organisation
from backend.placements.models import RequestEvent
from tests import factories
from tests.services_helpers import (
    a_request,
    close,
    decline,
    invite,
    outbox,
    service_clients,
    withdraw,
)


async def _history(db, request_id) -> list[RequestEvent]:
    return list(
        (
            await db.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request_id)
                .order_by(RequestEvent.at)
            )
        ).all()
    )


def _own(body: dict) -> dict:
    [own] = body["invitations"]
    return own


async def test_invite_tells_the_school_once_and_a_repeat_changes_nothing(
    service_client, school_client, db, sessionmaker
):
    setup = await a_request(db, school_client.account.organisation_id)
    first = await invite(service_client, setup.id)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "invited"
    assert _own(first.json())["outcome"] == "pending"
    assert _own(first.json())["service"]["name"] == service_client.account.name

    again = await invite(service_client, setup.id)
    assert again.status_code == 200
    assert again.json()["status"] == "invited"

    mails = await outbox(sessionmaker, to=school_client.account.email)
    assert [m.template for m in mails] == ["pupil_invited"]
    assert service_client.account.name in mails[0].subject
    assert setup.request.first_name in mails[0].body_text
    assert f"/school/requests/{setup.id}" in mails[0].body_text

    events = await _history(db, setup.request.id)
    assert [(e.kind, e.actor_organisation_id, e.actor_user_id) for e in events] == [
        ("invited", service_client.account.organisation_id, service_client.account.user_id)
    ]


async def test_the_school_reads_the_invitation_in_its_language(
    service_client, school_client, db, sessionmaker, smtp, smtp_settings
):
    await db.execute(
        update(Organisation)
        .where(Organisation.id == school_client.account.organisation_id)
        .values(language="en")
    )
    setup = await a_request(db, school_client.account.organisation_id)
    assert (await invite(service_client, setup.id)).status_code == 201

    await deliver_due(sessionmaker, smtp_settings)
    [message] = smtp.catcher.to(school_client.account.email)
    pupil = f"{setup.request.first_name} {setup.request.last_name}"
    assert message["Subject"] == f"{service_client.account.name} invites {pupil} for an interview"
    text = message.get_body(("plain",)).get_content()
    assert "invited" in text and "uitgenodigd" not in text
    html = message.get_body(("html",)).get_content()
    assert f'href="http://stagematch.test/school/requests/{setup.id}"' in html


async def test_several_services_invite_the_same_pupil(
    app, sessionmaker, service_client, school_client, db
):
    [second] = await service_clients(app, sessionmaker, 1, postcode="8000")
    try:
        setup = await a_request(db, school_client.account.organisation_id)
        assert (await invite(service_client, setup.id)).status_code == 201
        response = await invite(second, setup.id)
        assert response.status_code == 201
        # A service sees its own invitation, never which others invited.
        assert [i["service"]["name"] for i in response.json()["invitations"]] == [
            second.account.name
        ]
        mails = await outbox(sessionmaker, to=school_client.account.email)
        assert [m.template for m in mails] == ["pupil_invited", "pupil_invited"]
    finally:
        await close(second)


async def test_the_last_withdrawn_invitation_opens_the_request_again(
    app, sessionmaker, service_client, school_client, db
):
    [second] = await service_clients(app, sessionmaker, 1)
    try:
        setup = await a_request(db, school_client.account.organisation_id)
        await invite(service_client, setup.id)
        await invite(second, setup.id)

        first_out = await withdraw(service_client, setup.id)
        assert first_out.status_code == 200, first_out.text
        assert first_out.json()["status"] == "invited"  # the second service still invites
        assert _own(first_out.json())["outcome"] == "withdrawn"

        last_out = await withdraw(second, setup.id)
        assert last_out.json()["status"] == "open"

        again = await withdraw(second, setup.id)
        assert again.status_code == 409
        assert again.json()["code"] == "not_invited"

        mails = await outbox(
            sessionmaker, to=school_client.account.email, template="invitation_withdrawn"
        )
        assert len(mails) == 2
        kinds = [e.kind for e in await _history(db, setup.request.id)]
        assert kinds.count("invitation_withdrawn") == 2
    finally:
        await close(second)


async def test_a_service_that_withdrew_may_invite_again(service_client, school_client, db):
    setup = await a_request(db, school_client.account.organisation_id)
    await invite(service_client, setup.id)
    await withdraw(service_client, setup.id)
    again = await invite(service_client, setup.id)
    assert again.status_code == 201
    assert again.json()["status"] == "invited"
    assert _own(again.json())["outcome"] == "pending"


async def test_decline_tells_the_school_with_the_reason(
    service_client, school_client, db, sessionmaker
):
    setup = await a_request(db, school_client.account.organisation_id)
    await invite(service_client, setup.id)
    response = await decline(service_client, setup.id, "Geen plaats op woensdag")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"
    assert _own(response.json())["outcome"] == "declined"

    [mail] = await outbox(sessionmaker, to=school_client.account.email, template="pupil_declined")
    assert "Geen plaats op woensdag" in mail.body_text
    [event] = [e for e in await _history(db, setup.request.id) if e.kind == "declined"]
    assert event.details == {"reason": "Geen plaats op woensdag"}


async def test_decline_without_a_reason(service_client, school_client, db, sessionmaker):
    setup = await a_request(db, school_client.account.organisation_id)
    await invite(service_client, setup.id)
    response = await decline(service_client, setup.id)
    assert response.status_code == 200
    [mail] = await outbox(sessionmaker, to=school_client.account.email, template="pupil_declined")
    assert "Reden" not in mail.body_text


async def test_decline_rejects_unknown_fields_and_long_reasons(service_client, school_client, db):
    setup = await a_request(db, school_client.account.organisation_id)
    await invite(service_client, setup.id)
    url = f"/api/v1/placement-requests/{setup.id}/invitations/mine/decline"
    unknown = await service_client.post(url, json={"reason": "x", "outcome": "accepted"})
    assert unknown.status_code == 422
    too_long = await service_client.post(url, json={"reason": "x" * 2001})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "reason"


async def test_a_service_cannot_invite_for_a_closed_campaign(service_client, school_client, db):
    found = await factories.campaign(db, phase="closed")
    setup = await a_request(db, school_client.account.organisation_id, campaign=found)
    response = await invite(service_client, setup.id)
    # Never in this service's list (the campaign closed): it may not know the request exists.
    assert response.status_code == 404

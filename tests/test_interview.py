"""The interview a service proposes with its invitation (issue 16, part 5): the school sees it
in its lists and on the pupil's page, and receives it as a calendar event (iCalendar, parsed
back here with the icalendar library) in its mail: the invitation's event, an update with the
same UID and a higher SEQUENCE when it changes, a cancellation when it is dropped or its
invitation ends. Other services never see it."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import update as sa_update

from backend import clock
from backend.campaigns.models import Campaign
from backend.mail.worker import deliver_due
from tests.services_helpers import (
    a_request,
    accept,
    close,
    decline,
    outbox,
    path,
    service_clients,
    withdraw,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
PLACE = "Dienst De Brug, Kerkstraat 1, 8400 Oostende"


def _moment(days: int = 3, hour: int = 14) -> datetime:
    """A moment in Brussels time `days` from now, on the hour."""
    day = clock.now().astimezone(BRUSSELS) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def _interview(at: datetime | None = None, place: str = PLACE, **extra) -> dict:
    return {"starts_at": (at or _moment()).isoformat(), "place": place, **extra}


async def _invite(client, request_id, interview: dict | None = None):
    body = {"interview": interview} if interview is not None else None
    return await client.post(path(request_id, "invitations"), json=body)


async def _set(client, request_id, interview: dict):
    return await client.put(path(request_id, "invitations", "mine", "interview"), json=interview)


async def _drop(client, request_id):
    return await client.delete(path(request_id, "invitations", "mine", "interview"))


def _calendar(message: EmailMessage) -> tuple[str, str, Calendar]:
    """The mail's one calendar attachment: its file name, its content type's method (its
    charset checked) and the parsed calendar."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_content_charset() == "utf-8"
    method = f"method={part.get_param('method')}"
    return part.get_filename(), method, Calendar.from_ical(part.get_content())


def _event(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


async def _mails_to_school(sessionmaker, smtp_settings, smtp, school) -> list[EmailMessage]:
    await deliver_due(sessionmaker, smtp_settings)
    return smtp.catcher.to(school.account.email)


# --- what the API shows ----------------------------------------------------------------------


async def test_the_school_sees_the_interview_and_other_services_never_do(
    app, sessionmaker, service_client, school_client, db
):
    setup = await a_request(db, school_client.account.organisation_id)
    starts = _moment()
    invited = await _invite(service_client, setup.id, _interview(starts, duration_minutes=45))
    assert invited.status_code == 201, invited.text
    [own] = invited.json()["invitations"]
    assert own["interview"] == {
        "starts_at": starts.astimezone(UTC).isoformat(),
        "ends_at": (starts + timedelta(minutes=45)).astimezone(UTC).isoformat(),
        "duration_minutes": 45,
        "place": PLACE,
    }

    detail = (await school_client.get(path(setup.id))).json()
    [seen] = detail["invitations"]
    assert seen["service"]["name"] == service_client.account.name
    assert seen["interview"] == own["interview"]
    listed = (await school_client.get("/api/v1/placement-requests")).json()["items"]
    [item] = [i for i in listed if i["id"] == setup.id]
    assert item["invitations"][0]["interview"] == own["interview"]

    [other] = await service_clients(app, sessionmaker, 1)
    try:
        assert (await _invite(other, setup.id)).status_code == 201
        body = (await other.get(path(setup.id))).json()
        # Its own invitation only, without an interview; the first service's is not there.
        assert [(i["service"]["name"], i["interview"]) for i in body["invitations"]] == [
            (other.account.name, None)
        ]
        assert PLACE not in (await other.get("/api/v1/placement-requests")).text
        # The school sees both lines, each with its own interview (or none).
        both = (await school_client.get(path(setup.id))).json()["invitations"]
        assert sorted((i["service"]["name"], i["interview"] is None) for i in both) == sorted(
            [(service_client.account.name, False), (other.account.name, True)]
        )
    finally:
        await close(other)


async def test_an_invitation_without_an_interview_has_none_and_no_attachment(
    service_client, school_client, db, sessionmaker, smtp, smtp_settings
):
    setup = await a_request(db, school_client.account.organisation_id)
    response = await _invite(service_client, setup.id)
    assert response.status_code == 201
    assert response.json()["invitations"][0]["interview"] is None
    [message] = await _mails_to_school(sessionmaker, smtp_settings, smtp, school_client)
    assert list(message.iter_attachments()) == []
    assert "neemt contact op voor een afspraak" in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("interview", "code"),
    [
        (lambda: _interview(clock.now() - timedelta(minutes=1)), "interview_in_past"),
        (lambda: _interview(clock.now() + timedelta(days=31)), "interview_after_decision_deadline"),
        (
            lambda: {"starts_at": _moment().replace(tzinfo=None).isoformat(), "place": PLACE},
            "timezone_aware",
        ),
        (lambda: _interview(place=""), "string_too_short"),
        (lambda: _interview(place="x" * 201), "string_too_long"),
        (lambda: _interview(place="Kerkstraat\n1"), "invalid_characters"),
        (lambda: _interview(duration_minutes=0), "greater_than_equal"),
    ],
)
async def test_an_interview_is_in_the_future_before_the_deadline_and_aware(
    service_client, school_client, db, sessionmaker, interview, code
):
    # The campaign's decision deadline is 30 days from now (factories.campaign).
    setup = await a_request(db, school_client.account.organisation_id)
    refused = await _invite(service_client, setup.id, interview())
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "validation_error"
    assert [e["code"] for e in refused.json()["errors"]] == [code]
    assert refused.json()["errors"][0]["field"].startswith("interview.")
    # Nothing happened: no invitation, no mail.
    assert (await school_client.get(path(setup.id))).json()["invitations"] == []
    assert await outbox(sessionmaker, to=school_client.account.email) == []

    assert (await _invite(service_client, setup.id)).status_code == 201
    changed = await _set(service_client, setup.id, interview())
    assert changed.status_code == 422
    assert [e["code"] for e in changed.json()["errors"]] == [code]


async def test_only_the_service_with_a_live_invitation_changes_the_interview_before_the_deadline(
    app, sessionmaker, service_client, school_client, db
):
    setup = await a_request(db, school_client.account.organisation_id)
    not_yet = await _set(service_client, setup.id, _interview())
    assert not_yet.status_code == 409 and not_yet.json()["code"] == "not_invited"
    assert (await _drop(service_client, setup.id)).json()["code"] == "not_invited"

    assert (await _invite(service_client, setup.id, _interview())).status_code == 201
    [other] = await service_clients(app, sessionmaker, 1)
    try:
        refused = await _set(other, setup.id, _interview(place="Elders"))
        assert refused.status_code == 409 and refused.json()["code"] == "not_invited"
    finally:
        await close(other)
    forbidden = await _set(school_client, setup.id, _interview())
    assert forbidden.status_code == 403

    # After its withdrawal the invitation is not live: its interview no longer changes.
    assert (await withdraw(service_client, setup.id)).status_code == 200
    gone = await _set(service_client, setup.id, _interview())
    assert gone.status_code == 409 and gone.json()["code"] == "not_invited"

    # Past the decision deadline nothing changes any more.
    assert (await _invite(service_client, setup.id, _interview())).status_code == 201
    await db.execute(
        sa_update(Campaign)
        .where(Campaign.id == setup.campaign.id)
        .values(
            request_deadline=clock.now() - timedelta(days=1),
            decision_deadline=clock.now() - timedelta(minutes=1),
        )
    )
    await db.commit()
    closed = await _set(service_client, setup.id, _interview())
    assert closed.status_code == 409 and closed.json()["code"] == "phase_closed"
    assert (await _drop(service_client, setup.id)).json()["code"] == "phase_closed"


# --- the calendar in the school's mail --------------------------------------------------------


async def test_the_invitation_mail_carries_the_event_and_a_change_updates_it(
    service_client, school_client, db, sessionmaker, smtp, smtp_settings
):
    setup = await a_request(db, school_client.account.organisation_id)
    starts = _moment(days=4, hour=10)
    assert (await _invite(service_client, setup.id, _interview(starts))).status_code == 201

    [first] = await _mails_to_school(sessionmaker, smtp_settings, smtp, school_client)
    assert first.get_content_type() == "multipart/mixed"
    text = first.get_body(("plain",)).get_content()
    assert f"{starts:%d/%m/%Y} 10:00–11:00" in text and PLACE in text
    name, content_type, calendar = _calendar(first)
    assert name == "uitnodiging.ics"
    assert content_type == "method=REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    event = _event(calendar)
    uid = str(event["UID"])
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == starts + timedelta(hours=1)
    assert str(event["LOCATION"]) == PLACE
    pupil = f"{setup.request.first_name} {setup.request.last_name}"
    assert pupil in str(event["SUMMARY"]) and service_client.account.name in str(event["SUMMARY"])
    assert str(event["ORGANIZER"]) == f"mailto:{service_client.account.email}"

    later = starts + timedelta(days=1, hours=3)
    changed = await _set(service_client, setup.id, _interview(later, "Zaal 2"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["invitations"][0]["interview"]["place"] == "Zaal 2"
    # The same values again: nothing changes, no mail.
    assert (await _set(service_client, setup.id, _interview(later, "Zaal 2"))).status_code == 200

    mails = await _mails_to_school(sessionmaker, smtp_settings, smtp, school_client)
    assert len(mails) == 2
    update = mails[1]
    assert "Gewijzigd gesprek" in update["Subject"]
    _, content_type, calendar = _calendar(update)
    assert calendar["METHOD"] == "REQUEST" and "method=REQUEST" in content_type
    event = _event(calendar)
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == later
    assert str(event["LOCATION"]) == "Zaal 2"
    assert [m.template for m in await outbox(sessionmaker, to=school_client.account.email)] == [
        "pupil_invited",
        "interview_changed",
    ]


async def test_an_interview_set_later_and_dropped_sends_request_then_cancel(
    service_client, school_client, db, sessionmaker, smtp, smtp_settings
):
    setup = await a_request(db, school_client.account.organisation_id)
    assert (await _invite(service_client, setup.id)).status_code == 201
    starts = _moment(days=2)
    assert (await _set(service_client, setup.id, _interview(starts))).status_code == 200
    dropped = await _drop(service_client, setup.id)
    assert dropped.status_code == 200
    assert dropped.json()["invitations"][0]["interview"] is None
    assert dropped.json()["invitations"][0]["outcome"] == "pending"
    # Dropped twice: nothing more.
    assert (await _drop(service_client, setup.id)).status_code == 200

    invited, planned, cancelled = await _mails_to_school(
        sessionmaker, smtp_settings, smtp, school_client
    )
    assert list(invited.iter_attachments()) == []
    assert "Gesprek met" in planned["Subject"] and "Gewijzigd" not in planned["Subject"]
    request_event = _event(_calendar(planned)[2])
    _, content_type, calendar = _calendar(cancelled)
    assert "method=CANCEL" in content_type and calendar["METHOD"] == "CANCEL"
    cancel_event = _event(calendar)
    assert str(cancel_event["UID"]) == str(request_event["UID"])
    assert cancel_event["SEQUENCE"] > request_event["SEQUENCE"]
    assert str(cancel_event["STATUS"]) == "CANCELLED"
    assert cancel_event.decoded("DTSTART") == starts
    assert "gaat niet door" in cancelled["Subject"]


async def test_withdrawing_the_invitation_cancels_the_event_and_a_new_invitation_outranks_it(
    service_client, school_client, db, sessionmaker, smtp, smtp_settings
):
    setup = await a_request(db, school_client.account.organisation_id)
    assert (await _invite(service_client, setup.id, _interview())).status_code == 201
    assert (await withdraw(service_client, setup.id)).status_code == 200
    again = _moment(days=6)
    assert (await _invite(service_client, setup.id, _interview(again))).status_code == 201

    invited, withdrawn, reinvited = await _mails_to_school(
        sessionmaker, smtp_settings, smtp, school_client
    )
    first = _event(_calendar(invited)[2])
    calendar = _calendar(withdrawn)[2]
    assert calendar["METHOD"] == "CANCEL"
    cancel = _event(calendar)
    assert (str(cancel["UID"]), cancel["SEQUENCE"]) == (str(first["UID"]), 1)
    assert "gaat niet door" in withdrawn.get_body(("plain",)).get_content()
    calendar = _calendar(reinvited)[2]
    assert calendar["METHOD"] == "REQUEST"
    renewed = _event(calendar)
    assert (str(renewed["UID"]), renewed["SEQUENCE"]) == (str(first["UID"]), 2)
    assert renewed.decoded("DTSTART") == again


async def test_a_decline_cancels_the_event_in_the_schools_language(
    service_client, school_client, db, sessionmaker, smtp, smtp_settings
):
    from backend.organisations.models import Organisation

    await db.execute(
        sa_update(Organisation)
        .where(Organisation.id == school_client.account.organisation_id)
        .values(language="en")
    )
    setup = await a_request(db, school_client.account.organisation_id)
    assert (await _invite(service_client, setup.id, _interview())).status_code == 201
    assert (await decline(service_client, setup.id, "Geen plaats")).status_code == 200

    invited, declined = await _mails_to_school(sessionmaker, smtp_settings, smtp, school_client)
    assert _calendar(invited)[0] == "interview.ics"
    assert "When:" in invited.get_body(("plain",)).get_content()
    name, _, calendar = _calendar(declined)
    assert name == "interview.ics"
    assert calendar["METHOD"] == "CANCEL"
    assert str(_event(calendar)["STATUS"]) == "CANCELLED"
    assert str(_event(calendar)["SUMMARY"]).startswith("Interview ")


async def test_placed_elsewhere_or_withdrawn_cancels_each_interview_that_was_set(
    app, service_client, school_client, db, sessionmaker, smtp, smtp_settings
):
    accepted = await a_request(db, school_client.account.organisation_id)
    withdrawn = await a_request(db, school_client.account.organisation_id)
    [winner, quiet] = await service_clients(app, sessionmaker, 2)
    try:
        for setup in (accepted, withdrawn):
            assert (await _invite(service_client, setup.id, _interview())).status_code == 201
            assert (await _invite(quiet, setup.id)).status_code == 201  # no interview
        assert (await _invite(winner, accepted.id, _interview(place="Bij ons"))).status_code == 201
        assert (await accept(winner, accepted.id)).status_code == 200
        gone = await school_client.delete(path(withdrawn.id))
        assert gone.status_code == 204, gone.text
    finally:
        await close(winner, quiet)

    mails = await outbox(sessionmaker, to=school_client.account.email)
    cancelled = [m for m in mails if m.template == "interview_cancelled"]
    # One each: the first service's two interviews; the winner's interview took place and
    # the quiet service proposed none.
    assert sorted(m.placement_request_id for m in cancelled) == sorted(
        [accepted.request.id, withdrawn.request.id]
    )
    messages = await _mails_to_school(sessionmaker, smtp_settings, smtp, school_client)
    cancels = [m for m in messages if "gaat niet door" in m["Subject"]]
    assert len(cancels) == 2
    for message in cancels:
        assert service_client.account.name in message["Subject"]
        calendar = _calendar(message)[2]
        assert calendar["METHOD"] == "CANCEL"
        assert _event(calendar)["SEQUENCE"] == 1


async def test_without_smtp_host_the_log_names_the_attachment(
    service_client, school_client, db, sessionmaker, settings, caplog
):
    setup = await a_request(db, school_client.account.organisation_id)
    assert (await _invite(service_client, setup.id, _interview())).status_code == 201
    caplog.set_level("INFO", logger="backend.mail.worker")
    assert await deliver_due(sessionmaker, settings) >= 1
    assert "attachments=uitnodiging.ics" in caplog.text


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


async def test_the_schools_history_shows_the_interview_proposed_changed_and_cancelled(
    service_client, school_client, db
):
    setup = await a_request(db, school_client.account.organisation_id)
    first, later = _moment(3), _moment(4, hour=10)
    assert (await _invite(service_client, setup.id, _interview(first))).status_code == 201
    assert (await _set(service_client, setup.id, _interview(later, "Elders"))).status_code == 200
    assert (await _drop(service_client, setup.id)).status_code == 200

    history = (await school_client.get(path(setup.id, "history"))).json()["items"]
    lines = [
        (e["kind"], _at(e["details"].get("starts_at")), e["details"].get("place"))
        for e in history
        if e["kind"].startswith("interview") or e["kind"] == "invited"
    ]
    assert sorted(lines, key=lambda line: line[0]) == sorted(
        [
            ("invited", None, None),
            ("interview_set", first, PLACE),
            ("interview_set", later, "Elders"),
            ("interview_cancelled", None, None),
        ],
        key=lambda line: line[0],
    )
    # A service, even the inviting one, never reads the history: it is the school's.
    assert (await service_client.get(path(setup.id, "history"))).status_code in (403, 404)


@pytest.mark.parametrize(
    "place", ["A\r\nEND:VEVENT\r\nBEGIN:VEVENT", "Zaal\u2028ATTENDEE:mailto:x@evil.example"]
)
async def test_a_place_with_a_line_break_is_refused(service_client, school_client, db, place):
    setup = await a_request(db, school_client.account.organisation_id)
    refused = await _invite(service_client, setup.id, _interview(place=place))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "interview.place"


async def test_the_place_s_separators_stay_text_in_the_one_event(
    service_client, school_client, db, sessionmaker, smtp, smtp_settings
):
    """iCalendar's own separators in the place (`;` `,` `\\`, a property's `NAME:`) are
    escaped: the event's LOCATION reads back as typed, and the calendar holds one event
    with no property the service did not set."""
    setup = await a_request(db, school_client.account.organisation_id)
    place = 'Zaal 2; ingang B, "achteraan" \\ END:VEVENT ATTENDEE:mailto:x@evil.example'
    assert (await _invite(service_client, setup.id, _interview(place=place))).status_code == 201
    [mail] = await _mails_to_school(sessionmaker, smtp_settings, smtp, school_client)
    _, _, calendar = _calendar(mail)
    [event] = calendar.walk("VEVENT")
    assert str(event["LOCATION"]) == place
    assert "ATTENDEE" not in event and len(calendar.subcomponents) == 1

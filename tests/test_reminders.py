"""Three days before each deadline the worker mails the schools with open requests and the
services with undecided invitations, once."""

from datetime import timedelta

from backend import clock
from backend.mail.worker import deliver_due, send_reminders
from backend.placements.models import Invitation, RequestState
from tests import factories


async def _setup(db):
    campaign = await factories.campaign(db, phase="requests_open")
    school_open = await factories.account(db, "school")
    school_invited = await factories.account(db, "school")
    school_none = await factories.account(db, "school")
    service = await factories.account(db, "service")
    idle_service = await factories.account(db, "service")
    for school, state in ((school_open, RequestState.open), (school_invited, RequestState.invited)):
        supervisor = await factories.supervisor(db, school.organisation_id)
        request = await factories.placement_request(
            db,
            campaign_id=campaign.id,
            school_id=school.organisation_id,
            supervisor_id=supervisor.id,
            state=state,
        )
    db.add(
        Invitation(
            request_id=request.id, service_id=service.organisation_id, invited_at=clock.now()
        )
    )
    await db.commit()
    return campaign, school_open, school_invited, school_none, service, idle_service


async def test_reminders_go_to_exactly_the_right_organisations_once(
    db, sessionmaker, smtp, smtp_settings
):
    campaign, school_open, _, _, service, _ = await _setup(db)

    clock.freeze(campaign.request_deadline - timedelta(days=3, minutes=1))
    assert await send_reminders(sessionmaker) == 0

    clock.freeze(campaign.request_deadline - timedelta(days=3) + timedelta(minutes=1))
    assert await send_reminders(sessionmaker) == 2
    assert await send_reminders(sessionmaker) == 0
    await deliver_due(sessionmaker, smtp_settings)
    assert sorted(m["To"] for m in smtp.catcher.messages) == sorted(
        [school_open.email, service.email]
    )
    school_mail = smtp.catcher.to(school_open.email)[0]
    assert school_mail["Subject"].startswith("Nog 3 dagen: 1 aanvraag")

    # The decision deadline has its own reminder, again once.
    clock.freeze(campaign.decision_deadline - timedelta(days=2))
    assert await send_reminders(sessionmaker) == 2
    assert await send_reminders(sessionmaker) == 0


async def test_no_reminder_after_the_deadline(db, sessionmaker):
    campaign, *_ = await _setup(db)
    clock.freeze(campaign.decision_deadline + timedelta(minutes=1))
    assert await send_reminders(sessionmaker) == 0

"""Many services accept one pupil at the same moment, each request on its own database
connection: exactly one wins, every other gets `409 already_accepted`, one acceptance row,
one mail to the school."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend import clock
from backend.main import create_app
from backend.placements.models import Acceptance, Invitation, InvitationOutcome, RequestState
from tests import factories
from tests.conftest import IS_POSTGRES, make_client
from tests.services_helpers import accept, outbox


async def _race(settings, committed, services: int, rounds: int) -> None:
    app = create_app(settings, sessionmaker=committed)
    async with committed() as session:
        school = await factories.account(session, "school")
        accounts = [await factories.account(session, "service") for _ in range(services)]
        campaign = await factories.campaign(session)
        supervisor = await factories.supervisor(session, school.organisation_id)
        await session.commit()

    clients = [make_client(app) for _ in accounts]
    try:
        for client, account in zip(clients, accounts, strict=True):
            token = await factories.login(client, account.email)
            client.headers["Authorization"] = f"Bearer {token}"

        for round_ in range(rounds):
            async with committed() as session:
                request = await factories.placement_request(
                    session,
                    campaign_id=campaign.id,
                    school_id=school.organisation_id,
                    supervisor_id=supervisor.id,
                    state=RequestState.invited,
                )
                for account in accounts:
                    session.add(
                        Invitation(
                            request_id=request.id,
                            service_id=account.organisation_id,
                            invited_at=clock.now() - timedelta(hours=1),
                        )
                    )
                await session.commit()

            barrier = asyncio.Barrier(len(clients))

            async def at_once(client, request_id=request.id, barrier=barrier):
                await barrier.wait()
                return await accept(client, request_id)

            responses = await asyncio.gather(*(at_once(c) for c in clients))
            codes = sorted(r.status_code for r in responses)
            assert codes == [200] + [409] * (services - 1), codes
            assert {r.json()["code"] for r in responses if r.status_code == 409} <= {
                "already_accepted"
            }
            [winner] = [a for a, r in zip(accounts, responses, strict=True) if r.status_code == 200]

            async with committed() as session:
                acceptances = (
                    await session.scalars(
                        select(Acceptance).where(Acceptance.request_id == request.id)
                    )
                ).all()
                assert [a.service_id for a in acceptances] == [winner.organisation_id]
                outcomes = await session.execute(
                    select(Invitation.outcome, func.count())
                    .where(Invitation.request_id == request.id)
                    .group_by(Invitation.outcome)
                )
                assert dict(outcomes.all()) == {
                    InvitationOutcome.accepted: 1,
                    InvitationOutcome.placed_elsewhere: services - 1,
                }
            to_school = await outbox(committed, to=school.email, template="pupil_accepted")
            assert len(to_school) == round_ + 1
            placed = await outbox(committed, template="placed_elsewhere")
            assert len(placed) == (round_ + 1) * (services - 1)
    finally:
        for client in clients:
            await client.aclose()


@pytest.mark.postgres_only
@pytest.mark.skipif(not IS_POSTGRES, reason="the race is only real on PostgreSQL")
async def test_twenty_services_accept_one_pupil_at_the_same_moment(settings, committed):
    await _race(settings, committed, services=20, rounds=20)


async def test_simultaneous_acceptances_have_one_winner(settings, committed):
    # Runs on every database; SQLite serialises the writers, PostgreSQL really races.
    await _race(settings, committed, services=5, rounds=2)

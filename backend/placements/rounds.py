"""A next round of a campaign (issue 16, point 1): after the decision deadline the admin opens
a round with its own decision deadline, and every request that ended `not_placed` is open again
in it, for every service.

The opening is one transaction of a few bulk statements, whatever the number of pupils:

1. the campaign's round and decision deadline move by a conditional UPDATE that succeeds only
   while the campaign is still in the round the admin saw and past its deadline (of two admins
   opening at once one wins; the other gets `409 round_not_allowed`), and the round's row is
   inserted (its primary key, campaign and number, holds the same line);
2. the pending invitations of those requests end as `round_ended`;
3. the requests (stored `open` or `invited`: `not_placed` since the deadline) become `open`
   in the new round;
4. one history event per request (one INSERT of many rows), one mail per school listing its
   pupils in the round, one mail per service saying how many are near it, one audit entry.

Nothing runs at the round's deadline: the status is derived from the campaign's (current)
decision deadline (`reading.access.status_column`), so the requests still without a place are
`not_placed` again once it passes. Requests accepted or withdrawn in an earlier round are final
(`transitions.check`, `request_final`)."""

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.audit import service as audit
from backend.auth.deps import Actor
from backend.campaigns.models import Campaign, CampaignRound
from backend.campaigns.phase import phase_of
from backend.campaigns.service import get, to_utc
from backend.clock import BRUSSELS
from backend.db import rowcount
from backend.errors import FieldError, error
from backend.mail.service import enqueue, link
from backend.organisations.models import Organisation, OrganisationKind
from backend.placements.models import (
    Invitation,
    InvitationOutcome,
    PlacementRequest,
    RequestEvent,
    RequestState,
)
from backend.placements.transitions import TABLE, Action
from backend.reference.postcodes import distance_km, lookup_postcode

RoundNotAllowed = error(
    409, "round_not_allowed", "A next round opens only after the current decision deadline"
)

# The pupils a service is told are near it: within this many km of its postcode.
NEAR_KM = 25.0
ROUND_OPENED = "round_opened"  # the history's event
SCHOOL_MAIL = "round_opened_school"
SERVICE_MAIL = "round_opened_service"
NOT_PLACED = (RequestState.open, RequestState.invited)


def _shown(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")


async def open_round(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, deadline: date | datetime
) -> Campaign:
    """Opens the campaign's next round, its decision deadline `deadline` (see the module)."""
    campaign = await get(session, campaign_id)
    now = clock.now()
    if phase_of(campaign, now) not in TABLE[Action.open_round].phases:
        raise RoundNotAllowed(
            "The current round's decision deadline has not passed",
            deadline=campaign.decision_deadline.isoformat(),
            round=campaign.round,
        )
    if campaign.purged_at is not None:
        raise RoundNotAllowed("The campaign's personal data were erased", round=campaign.round)
    new_deadline = to_utc("decision_deadline", deadline)
    if new_deadline <= now:
        raise FieldError.at(
            "decision_deadline", "not_in_future", "The round's decision deadline must be ahead"
        )
    number = await _claim(session, actor, campaign, new_deadline, now)
    pupils = await _reopen(session, actor, campaign.id, number, new_deadline, now)
    audit.record(
        session,
        "round_opened",
        actor=actor,
        object_type="campaign",
        object_id=campaign.id,
        round=number,
        decision_deadline=new_deadline.isoformat(),
        requests=len(pupils),
    )
    await session.flush()
    await session.refresh(campaign)
    if pupils:
        await _mail_schools(session, campaign, pupils)
        await _mail_services(session, campaign, pupils)
    return campaign


async def _claim(
    session: AsyncSession, actor: Actor, campaign: Campaign, deadline: datetime, now: datetime
) -> int:
    """Moves the campaign to its next round (step 1): a conditional UPDATE that only the first
    of two admins opening at once wins, and the round's row. Returns the round's number."""
    seen, number = campaign.round, campaign.round + 1
    claimed = await session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign.id,
            Campaign.round == seen,
            Campaign.decision_deadline <= now,
        )
        .values(round=number, decision_deadline=deadline, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        raise RoundNotAllowed("Another round was opened meanwhile", round=seen + 1)
    session.add(
        CampaignRound(
            campaign_id=campaign.id,
            number=number,
            decision_deadline=deadline,
            opened_at=now,
            opened_by_user_id=actor.user.id,
        )
    )
    return number


async def _reopen(
    session: AsyncSession,
    actor: Actor,
    campaign_id: uuid.UUID,
    number: int,
    deadline: datetime,
    now: datetime,
) -> Sequence[Any]:
    """Steps 2 to 4 in bulk: the pending invitations of the requests without a place end as
    `round_ended`, the requests are open in round `number`, each gets its history event.
    Returns those pupils (id, school, names, postcode), for the mails."""
    in_round = (
        PlacementRequest.campaign_id == campaign_id,
        PlacementRequest.state.in_(NOT_PLACED),
    )
    pupils = (
        await session.execute(
            select(
                PlacementRequest.id,
                PlacementRequest.school_id,
                PlacementRequest.first_name,
                PlacementRequest.last_name,
                PlacementRequest.postcode,
            )
            .where(*in_round)
            .order_by(PlacementRequest.last_name, PlacementRequest.first_name)
        )
    ).all()
    await session.execute(
        update(Invitation)
        .where(
            Invitation.outcome == InvitationOutcome.pending,
            Invitation.request_id.in_(select(PlacementRequest.id).where(*in_round)),
        )
        .values(outcome=InvitationOutcome.round_ended, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(PlacementRequest)
        .where(*in_round)
        .values(
            state=RequestState.open,
            round=number,
            version=PlacementRequest.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if pupils:
        details = {"round": number, "decision_deadline": deadline.isoformat()}
        await session.execute(
            insert(RequestEvent),
            [
                {
                    "id": uuid.uuid4(),
                    "request_id": pupil.id,
                    "at": now,
                    "kind": ROUND_OPENED,
                    "actor_user_id": actor.user.id,
                    "actor_organisation_id": actor.organisation_id,
                    "details": details,
                    "times": 1,
                }
                for pupil in pupils
            ],
        )
    return pupils


def _round_context(campaign: Campaign) -> dict[str, Any]:
    return {
        "round": campaign.round,
        "track": campaign.track.value,
        "school_year": campaign.school_year,
        "decision_deadline": _shown(campaign.decision_deadline),
    }


async def _mail_schools(session: AsyncSession, campaign: Campaign, pupils: Sequence[Any]) -> None:
    """One mail per school: its pupils in the round, by name."""
    by_school: dict[uuid.UUID, list[str]] = defaultdict(list)
    for pupil in pupils:
        by_school[pupil.school_id].append(f"{pupil.first_name} {pupil.last_name}")
    schools = await session.scalars(
        select(Organisation).where(
            Organisation.id.in_(by_school), Organisation.disabled_at.is_(None)
        )
    )
    for school in schools:
        names = by_school[school.id]
        enqueue(
            session,
            school.email,
            SCHOOL_MAIL,
            school.language,
            **_round_context(campaign),
            school_name=school.name,
            pupils=names,
            count=len(names),
            link=link("/school/requests", status="open"),
        )


def _near_counts(
    services: list[Organisation], pupils: Sequence[Any]
) -> dict[uuid.UUID, int | None]:
    """How many of `pupils` live within NEAR_KM of each service's postcode (None for a
    service without a known postcode: all of them are near it), per pair of postcodes, not
    per pair of rows."""
    by_postcode = Counter(pupil.postcode for pupil in pupils)
    places = {code: lookup_postcode(code) for code in by_postcode}
    counts: dict[uuid.UUID, int | None] = {}
    near_of: dict[str, int] = {}
    for service in services:
        origin = lookup_postcode(service.postcode or "")
        if origin is None or origin.latitude is None or origin.longitude is None:
            counts[service.id] = None
            continue
        code = origin.code
        if code not in near_of:
            near_of[code] = sum(
                count
                for pupil_code, count in by_postcode.items()
                if (place := places[pupil_code]) is not None
                and place.latitude is not None
                and place.longitude is not None
                and distance_km(origin.latitude, origin.longitude, place.latitude, place.longitude)
                <= NEAR_KM
            )
        counts[service.id] = near_of[code]
    return counts


async def _mail_services(session: AsyncSession, campaign: Campaign, pupils: Sequence[Any]) -> None:
    """One mail per active service: how many pupils of the round are near it, of how many."""
    services = list(
        await session.scalars(
            select(Organisation).where(
                Organisation.kind == OrganisationKind.service, Organisation.disabled_at.is_(None)
            )
        )
    )
    near = _near_counts(services, pupils)
    for service in services:
        count = near[service.id]
        enqueue(
            session,
            service.email,
            SERVICE_MAIL,
            service.language,
            **_round_context(campaign),
            service_name=service.name,
            count=len(pupils) if count is None else count,
            total=len(pupils),
            near_km=int(NEAR_KM),
            has_postcode=count is not None,
            link=link("/service"),
        )

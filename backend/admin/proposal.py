"""The admin's proposal for a campaign's unplaced pupils: for each, the care service that fits
best while no service gets more pupils than its places left, maximising the total fit; and
one mail to each service with the pupils suggested to it. Nothing is invited: the services
still decide (docs/DECISIONS.md, "The admin's proposal").

Every pair is scored by the one fit score (placements/fit.py), one vectorised pass per
service. The assignment is solved exactly by scipy's `linear_sum_assignment` (a maintained
solver, the Hungarian method's successor by Crouse): each service's column is repeated once per
place it has left (at most as many times as there are pupils it may take), and a pair the
service excludes (too far, a way of coming that does not work for it, a pupil it declined or
released) costs nothing, so that a pupil matched only to such a pair has no proposal."""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.admin.retention import AlreadyPurged
from backend.admin.schemas import ProposalMails
from backend.admin.service import campaign_or_404
from backend.auth.models import User
from backend.campaigns.models import Campaign
from backend.mail import service as mail
from backend.organisations.models import (
    Organisation,
    OrganisationKind,
    ProposalMailSent,
    ServiceCapacity,
)
from backend.organisations.preferences import of_services
from backend.placements import fit
from backend.placements.lists.browse import (
    candidates_of,
    coordinates_of,
    feature_columns,
    preferences_of,
)
from backend.placements.models import (
    Acceptance,
    Invitation,
    InvitationOutcome,
    PlacementRequest,
    RequestState,
)
from backend.reference.postcodes import lookup_postcode

# A pupil still without a place: not accepted, not withdrawn (open or invited; after the
# decision deadline these show `not_placed`).
UNPLACED = (RequestState.open, RequestState.invited)


@dataclass(frozen=True)
class Service:
    id: uuid.UUID
    name: str
    latitude: float
    longitude: float
    places_left: int | None  # None: no capacity set, no limit


@dataclass(frozen=True)
class Assignment:
    """The solver's answer: for pupil i, `service[i]` (an index into the services, or -1)."""

    service: Any  # int array, n
    scores: Any  # int matrix, n × m
    feasible: Any  # bool matrix, n × m


def solve(scores: Any, feasible: Any, places_left: list[int | None]) -> Any:
    """The services (column indices, -1: none) of the pupils (rows) that maximise the total
    fit, each service taking at most its places left; exact (linear_sum_assignment on the
    columns repeated per place). A feasible pair counts its score plus one, so that a pupil
    who can go somewhere gets a proposal even where the fit is 0."""
    n, m = scores.shape
    chosen = np.full(n, -1, dtype=np.int64)
    copies = [
        min(n if left is None else left, int(feasible[:, j].sum()))
        for j, left in enumerate(places_left)
    ]
    columns = np.repeat(np.arange(m), copies)
    if n == 0 or len(columns) == 0:
        return chosen
    gain = np.where(feasible, scores.astype(float) + 1.0, 0.0)
    rows, picked = linear_sum_assignment(gain[:, columns], maximize=True)
    for row, column in zip(rows, picked, strict=True):
        service = columns[column]
        if feasible[row, service]:
            chosen[row] = service
    return chosen


async def _pupils(session: AsyncSession, campaign_id: uuid.UUID) -> list[Any]:
    school = Organisation.__table__.alias("school")
    return list(
        (
            await session.execute(
                select(
                    *feature_columns(),
                    PlacementRequest.first_name,
                    PlacementRequest.last_name,
                    PlacementRequest.postcode,
                    PlacementRequest.city,
                    PlacementRequest.school_id,
                    school.c.name.label("school_name"),
                )
                .join(school, school.c.id == PlacementRequest.school_id)
                .where(
                    PlacementRequest.campaign_id == campaign_id,
                    PlacementRequest.state.in_(UNPLACED),
                )
                .order_by(
                    PlacementRequest.last_name, PlacementRequest.first_name, PlacementRequest.id
                )
            )
        ).all()
    )


async def _services(session: AsyncSession, campaign_id: uuid.UUID) -> list[Service]:
    """The enabled care services with a known place, and their places left."""
    left = {
        c.service_id: c.capacity - c.used
        for c in (
            await session.scalars(
                select(ServiceCapacity).where(ServiceCapacity.campaign_id == campaign_id)
            )
        ).all()
    }
    found = []
    for organisation in (
        await session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrganisationKind.service, Organisation.disabled_at.is_(None)
            )
            .order_by(Organisation.name, Organisation.id)
        )
    ).all():
        info = lookup_postcode(organisation.postcode or "")
        if info is None or info.latitude is None or info.longitude is None:
            continue  # no place to measure from: nothing can be said of its fit
        found.append(
            Service(
                organisation.id,
                organisation.name,
                info.latitude,
                info.longitude,
                left.get(organisation.id),
            )
        )
    return found


async def _turned_down(session: AsyncSession, campaign_id: uuid.UUID) -> set[tuple[Any, Any]]:
    """The (request, service) pairs of the campaign's unplaced pupils that the service itself
    turned down: it declined the pupil after an interview, or released it after accepting.
    The proposal never suggests those again (they are excluded like a pupil too far away)."""
    unplaced = select(PlacementRequest.id).where(
        PlacementRequest.campaign_id == campaign_id, PlacementRequest.state.in_(UNPLACED)
    )
    declined = select(Invitation.request_id, Invitation.service_id).where(
        Invitation.request_id.in_(unplaced), Invitation.outcome == InvitationOutcome.declined
    )
    released = select(Acceptance.request_id, Acceptance.service_id).where(
        Acceptance.request_id.in_(unplaced), Acceptance.released_at.is_not(None)
    )
    return {(row[0], row[1]) for row in (await session.execute(declined.union(released))).all()}


async def proposal(session: AsyncSession, campaign_id: uuid.UUID) -> dict[str, Any]:
    """For every unplaced pupil of the campaign the service proposed (or none), with its
    score and reasons; each service's places left and how many it is proposed. Not for a
    campaign whose pupils were erased (409 `retention_done`): its rows name nobody, and a
    mail would send services a list of erased pupils."""
    campaign = await campaign_or_404(session, campaign_id)
    if campaign.purged_at is not None:
        raise AlreadyPurged("The campaign's pupils were erased: there is nobody to propose")
    rows = await _pupils(session, campaign_id)
    services = await _services(session, campaign_id)
    stated = await of_services(session, [s.id for s in services])
    latitude, longitude = coordinates_of(rows)
    n, m = len(rows), len(services)
    scores = np.zeros((n, m), dtype=np.int64)
    feasible = np.zeros((n, m), dtype=bool)
    fits: list[tuple[fit.Fit, fit.Candidates, fit.Preferences]] = []
    for j, service in enumerate(services):
        distance = fit.distances_km(latitude, longitude, service.latitude, service.longitude)
        candidates = candidates_of(rows, distance)
        preferences = preferences_of(stated.get(service.id))
        scored = fit.score(candidates, preferences)
        scores[:, j], feasible[:, j] = scored.score, scored.feasible
        fits.append((scored, candidates, preferences))
    column = {service.id: j for j, service in enumerate(services)}
    row_of = {row.id: i for i, row in enumerate(rows)}
    for request_id, service_id in await _turned_down(session, campaign_id):
        if service_id in column and request_id in row_of:
            feasible[row_of[request_id], column[service_id]] = False
    chosen = solve(scores, feasible, [s.places_left for s in services])

    items = []
    proposed = np.bincount(chosen[chosen >= 0], minlength=m) if m else np.zeros(0, dtype=int)
    for i, row in enumerate(rows):
        item: dict[str, Any] = {
            "request": {
                "id": str(row.id),
                "first_name": row.first_name,
                "last_name": row.last_name,
                "postcode": row.postcode,
                "city": row.city,
                "school": {"id": str(row.school_id), "name": row.school_name},
            },
            "service": None,
            "score": None,
            "distance_km": None,
            "reasons": [],
        }
        j = int(chosen[i])
        if j >= 0:
            scored, candidates, preferences = fits[j]
            item["service"] = {"id": str(services[j].id), "name": services[j].name}
            item["score"] = int(scores[i, j])
            if not np.isnan(candidates.distance_km[i]):
                item["distance_km"] = round(float(candidates.distance_km[i]), 1)
            item["reasons"] = fit.reasons(scored, i, candidates, preferences)
        items.append(item)
    return {
        "campaign_id": str(campaign.id),
        "school_year": campaign.school_year,
        "track": campaign.track.value,
        "total_fit": int(sum(scores[i, j] for i, j in enumerate(chosen) if j >= 0)),
        "proposed": int((chosen >= 0).sum()),
        "without_proposal": int((chosen < 0).sum()),
        "items": items,
        "services": [
            {
                "id": str(s.id),
                "name": s.name,
                "places_left": s.places_left,
                "proposed": int(proposed[j]),
            }
            for j, s in enumerate(services)
            if proposed[j] or s.places_left != 0
        ],
    }


def _content_key(pupil_ids: list[str]) -> str:
    return hashlib.sha256("|".join(sorted(pupil_ids)).encode()).hexdigest()


async def send_mails(session: AsyncSession, campaign_id: uuid.UUID) -> ProposalMails:
    """Mails each service its pupils of the current proposal, once per list of pupils: the
    same proposal sent again mails nobody twice; a changed one mails the services whose
    list changed. Invites nobody."""
    body = await proposal(session, campaign_id)
    campaign = await session.get(Campaign, campaign_id)
    assert campaign is not None
    by_service: dict[str, list[dict[str, Any]]] = {}
    for item in body["items"]:
        if item["service"] is not None:
            by_service.setdefault(item["service"]["id"], []).append(item)
    mailed = already = 0
    for service_id, items in by_service.items():
        key = _content_key([item["request"]["id"] for item in items])
        try:
            # A savepoint: of two admins sending at once, the second insert fails alone.
            async with session.begin_nested():
                session.add(
                    ProposalMailSent(
                        campaign_id=campaign_id,
                        service_id=uuid.UUID(service_id),
                        content_key=key,
                        sent_at=clock.now(),
                    )
                )
        except IntegrityError:
            already += 1
            continue
        users = (
            await session.scalars(
                select(User).where(
                    User.organisation_id == uuid.UUID(service_id),
                    User.activated_at.is_not(None),
                    User.disabled_at.is_(None),
                )
            )
        ).all()
        for user in users:
            mail.enqueue(
                session,
                user.email,
                "proposal_service",
                user.language,
                count=len(items),
                pupils=[_line(item, user.language) for item in items],
                track=campaign.track.value,
                school_year=campaign.school_year,
                link=mail.link("/service", sort="fit"),
            )
        mailed += 1
    return ProposalMails(mailed_services=mailed, already_mailed=already)


def _line(item: dict[str, Any], language: str) -> str:
    """One pupil in the mail: name, place, distance and fit."""
    pupil = item["request"]
    where = f"{pupil['postcode']} {pupil['city']}"
    if item["distance_km"] is not None:
        where += f", {round(item['distance_km'])} km"
    word = "fit" if language == "en" else "passend"
    return f"{pupil['first_name']} {pupil['last_name']} ({where}; {word} {item['score']}/100)"

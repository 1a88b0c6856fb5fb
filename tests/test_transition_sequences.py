"""Random sequences of moves by a school and two services on one request (hypothesis): every
answer is the one a small model of SPEC section 4 predicts, the request reads the model's
status afterwards, and a pupil never has more than one standing acceptance."""

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from backend.placements.models import Acceptance
from tests.services_helpers import (
    a_request,
    accept,
    close,
    decline,
    invite,
    path,
    release,
    service_clients,
    withdraw,
)

SERVICES = ("a", "b")
MOVES = st.one_of(
    st.tuples(st.just("school_withdraw"), st.just(None)),
    st.tuples(
        st.sampled_from(["invite", "withdraw", "decline", "accept", "release"]),
        st.sampled_from(SERVICES),
    ),
)


@dataclass
class Model:
    """What SPEC section 4 says, written independently of transitions.py."""

    state: str = "open"
    live: set[str] = field(default_factory=set)  # services with a pending invitation
    accepted_by: str | None = None
    known: set[str] = field(default_factory=set)  # services that ever invited the pupil

    def refusal(self, move: str, service: str | None) -> str | None:
        # Out of the open list, a request exists only for the services that invited; a
        # withdrawn request no longer exists for its school.
        if move == "school_withdraw":
            return {"withdrawn": "not_found", "accepted": "request_locked"}.get(self.state)
        if self.state in ("withdrawn", "accepted") and service not in self.known:
            return "not_found"
        if self.state == "withdrawn":
            return "request_withdrawn"
        if move == "release":
            return None if self.accepted_by == service else "not_accepted"
        if self.state == "accepted":
            return "already_accepted"
        if move == "invite":
            return None
        return None if service in self.live else "not_invited"

    def apply(self, move: str, service: str | None) -> None:
        match move:
            case "school_withdraw":
                self.state, self.live = "withdrawn", set()
            case "invite":
                self.live.add(service)
                self.known.add(service)
            case "withdraw" | "decline":
                self.live.discard(service)
            case "accept":
                self.state, self.accepted_by, self.live = "accepted", service, set()
                return
            case "release":
                self.accepted_by = None
        if self.state != "withdrawn":
            self.state = "invited" if self.live else "open"

    def expected_status(self, move: str, created: bool) -> int:
        if move == "school_withdraw":
            return 204
        if move == "invite":
            return 201 if created else 200
        return 200


async def _do(move, client, request_id):
    match move:
        case "school_withdraw":
            return await client.delete(path(request_id))
        case "invite":
            return await invite(client, request_id)
        case "withdraw":
            return await withdraw(client, request_id)
        case "decline":
            return await decline(client, request_id, "Geen plaats")
        case "accept":
            return await accept(client, request_id)
        case "release":
            return await release(client, request_id)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(MOVES, min_size=1, max_size=12))
async def test_random_move_sequences_follow_the_model(app, sessionmaker, school_client, db, moves):
    # The fixtures live for the whole test: each example takes a new request (and services).
    services = dict(zip(SERVICES, await service_clients(app, sessionmaker, 2), strict=True))
    school_id = school_client.account.organisation_id
    setup = await a_request(db, school_id)
    model = Model()
    try:
        for move, who in moves:
            client = school_client if who is None else services[who]
            expected_code = model.refusal(move, who)
            created = move == "invite" and who not in model.live
            response = await _do(move, client, setup.id)
            step = (moves, move, who, response.text)
            if expected_code is None:
                assert response.status_code == model.expected_status(move, created), step
                model.apply(move, who)
            else:
                assert response.status_code == (404 if expected_code == "not_found" else 409), step
                assert response.json()["code"] == expected_code, step

            seen = await school_client.get(path(setup.id))
            if model.state == "withdrawn":
                assert seen.status_code == 404, step
            else:
                assert seen.json()["status"] == model.state, step
            standing = await db.scalar(
                select(func.count())
                .select_from(Acceptance)
                .where(Acceptance.request_id == setup.request.id, Acceptance.released_at.is_(None))
            )
            assert standing == (1 if model.state == "accepted" else 0), step
    finally:
        await close(*services.values())

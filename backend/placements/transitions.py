"""Which action is allowed in which request state and campaign phase, for whom: one table
that the writes consult, the responses offer (`actions_for`, `campaign_actions`) and the tests
walk (SPEC section 4)."""

import enum
from dataclasses import dataclass
from functools import cache

from backend.campaigns.models import Campaign
from backend.campaigns.phase import Phase, phase_of
from backend.errors import DomainError, PhaseClosed, error
from backend.placements.models import PlacementRequest, RequestState

RequestLocked = error(409, "request_locked", "The request is accepted and can no longer change")
AlreadyAccepted = error(409, "already_accepted", "Another service already accepted this pupil")
RequestWithdrawn = error(409, "request_withdrawn", "The school withdrew this request")
NotInvited = error(409, "not_invited", "Invite the pupil before this step")
NotAccepted = error(409, "not_accepted", "This service has not accepted the pupil")
RequestFinal = error(
    409, "request_final", "The request was settled in an earlier round and can no longer change"
)


class Action(enum.StrEnum):
    create = "create"  # school
    edit = "edit"  # school
    withdraw_request = "withdraw_request"  # school; the admin too (a pupil of two schools)
    invite = "invite"  # service
    withdraw_invitation = "withdraw_invitation"  # service, its own invitation
    decline = "decline"  # service, its own invitation
    accept = "accept"  # service, with a live invitation of its own
    release = "release"  # service, its own acceptance
    open_round = "open_round"  # admin, of a campaign: a next round for the pupils not placed


class Relation(enum.StrEnum):
    """What a viewer must be to the request for an action (besides its role)."""

    owner = "owner"  # the school that entered it
    any = "any"  # the admin: every request
    own_pending_invitation = "own_pending_invitation"  # the service's invitation is live
    no_own_pending_invitation = "no_own_pending_invitation"  # none of its own is live
    own_acceptance = "own_acceptance"  # the service's acceptance holds


@dataclass(frozen=True)
class Rule:
    # Who may, by role (an OrganisationKind's value), and what it must be to the request.
    who: dict[str, Relation]
    phases: frozenset[Phase]
    states: frozenset[RequestState]
    # The error for each state that is not allowed (a state missing here cannot occur).
    refusals: dict[RequestState, type[DomainError]]
    # Accepting takes one of the service's places in the campaign (a capacity, when set).
    needs_place: bool = False
    # Allowed on a request of an earlier round than the campaign's (one accepted or
    # withdrawn before the admin opened the present round): no rule is, such a request is
    # final; `check` answers `request_final`.
    in_earlier_round: bool = False


WORKING = frozenset({Phase.requests_open, Phase.decisions_open})
NOT_ACCEPTED = frozenset({RequestState.open, RequestState.invited})
_ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE = {
    RequestState.accepted: AlreadyAccepted,
    RequestState.withdrawn: RequestWithdrawn,
}

TABLE: dict[Action, Rule] = {
    Action.create: Rule(
        {"school": Relation.any}, frozenset({Phase.requests_open}), frozenset(), {}
    ),
    Action.edit: Rule(
        {"school": Relation.owner},
        WORKING,
        NOT_ACCEPTED,
        {RequestState.accepted: RequestLocked, RequestState.withdrawn: RequestWithdrawn},
    ),
    Action.withdraw_request: Rule(
        {"school": Relation.owner, "admin": Relation.any},
        WORKING,
        NOT_ACCEPTED,
        {RequestState.accepted: RequestLocked, RequestState.withdrawn: RequestWithdrawn},
    ),
    # A repeated invite is a no-op the server answers 200 (a double click), never offered.
    Action.invite: Rule(
        {"service": Relation.no_own_pending_invitation},
        WORKING,
        NOT_ACCEPTED,
        _ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE,
    ),
    Action.withdraw_invitation: Rule(
        {"service": Relation.own_pending_invitation},
        WORKING,
        frozenset({RequestState.invited}),
        {RequestState.open: NotInvited, **_ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE},
    ),
    Action.decline: Rule(
        {"service": Relation.own_pending_invitation},
        WORKING,
        frozenset({RequestState.invited}),
        {RequestState.open: NotInvited, **_ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE},
    ),
    Action.accept: Rule(
        {"service": Relation.own_pending_invitation},
        WORKING,
        frozenset({RequestState.invited}),
        {RequestState.open: NotInvited, **_ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE},
        needs_place=True,
    ),
    Action.release: Rule(
        {"service": Relation.own_acceptance},
        WORKING,
        frozenset({RequestState.accepted}),
        {
            RequestState.open: NotAccepted,
            RequestState.invited: NotAccepted,
            RequestState.withdrawn: RequestWithdrawn,
        },
    ),
    # Of a campaign, not of a request (no states): after the decision deadline the admin
    # opens a next round (placements/rounds.py), which moves the phase back to decisions.
    Action.open_round: Rule({"admin": Relation.any}, frozenset({Phase.closed}), frozenset(), {}),
}

_DEADLINE_OF_PHASE = {
    # When an action is refused by the phase, which deadline to name.
    Phase.before_open: "opens_at",
    Phase.decisions_open: "request_deadline",
    Phase.closed: "decision_deadline",
}


ROLES = ("school", "service", "admin")


@cache
def actions_for(
    role: str,
    relations: frozenset[Relation],
    phase: Phase,
    state: RequestState,
    *,
    places_left: bool = True,
    earlier_round: bool = False,
) -> tuple[Action, ...]:
    """THE actions a viewer may take on a request now (its `actions`, which the client shows
    as buttons): those whose rule names the viewer's role with a relation it has
    (`relations`; the admin has `any`), in the campaign's phase and the request's state, and
    for accepting a place left; on a request of an earlier round (`earlier_round`) only the
    rules allowed there (`in_earlier_round`: none). The writes check the same conditions, so
    each action listed succeeds and any other is refused. Kept per combination: a list of 200
    requests has a handful."""
    return tuple(
        action
        for action, rule in TABLE.items()
        if rule.states
        and rule.who.get(role) in relations | {Relation.any}
        and phase in rule.phases
        and state in rule.states
        and (places_left or not rule.needs_place)
        and (rule.in_earlier_round or not earlier_round)
    )


def campaign_actions(phase: Phase, *, purged: bool = False) -> dict[str, list[str]]:
    """What each role may still do in a campaign in `phase` (the campaign's `actions`: which
    pages offer a new request, an import, an invitation...), from the table's phases; in a
    campaign whose pupils were erased (`purged`, admin/retention.py) nothing, not even a
    next round."""
    if purged:
        return {role: [] for role in ROLES}
    return {
        role: [
            action.value
            for action, rule in TABLE.items()
            if role in rule.who and phase in rule.phases
        ]
        for role in ROLES
    }


def check(
    action: Action,
    phase: Phase,
    state: RequestState | None,
    campaign: Campaign | None = None,
    *,
    request_round: int | None = None,
) -> None:
    """Raises the action's 409 when the phase, the request's state or its round
    (`request_round` below the campaign's: settled in an earlier round, `request_final`)
    forbids it; the phase is checked first, so every write after a deadline answers
    `phase_closed`."""
    rule = TABLE[action]
    if phase not in rule.phases:
        deadline_field = _DEADLINE_OF_PHASE.get(phase, "decision_deadline")
        deadline = getattr(campaign, deadline_field, None) if campaign is not None else None
        raise PhaseClosed(
            f"Not possible in phase {phase.value}",
            phase=phase.value,
            deadline=deadline.isoformat() if deadline else None,
            deadline_name=deadline_field,
        )
    if state is not None and state not in rule.states:
        raise rule.refusals.get(state, DomainError)()
    if (
        request_round is not None
        and campaign is not None
        and request_round < campaign.round
        and not rule.in_earlier_round
    ):
        raise RequestFinal(
            f"Settled in round {request_round}; the campaign is in round {campaign.round}",
            round=request_round,
        )


def check_request(action: Action, request: PlacementRequest) -> None:
    """`check` for a request read with its campaign: its phase now, its state and round."""
    check(
        action,
        phase_of(request.campaign),
        request.state,
        request.campaign,
        request_round=request.round,
    )

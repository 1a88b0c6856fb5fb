"""Which action is allowed in which request state and campaign phase, for whom: one table
that the services consult and the tests walk (SPEC section 4)."""

import enum
from dataclasses import dataclass

from backend.campaigns.models import Campaign
from backend.campaigns.phase import Phase
from backend.errors import DomainError, PhaseClosed, error
from backend.placements.models import RequestState

RequestLocked = error(409, "request_locked", "The request is accepted and can no longer change")
AlreadyAccepted = error(409, "already_accepted", "Another service already accepted this pupil")
RequestWithdrawn = error(409, "request_withdrawn", "The school withdrew this request")
NotInvited = error(409, "not_invited", "Invite the pupil before this step")
NotAccepted = error(409, "not_accepted", "This service has not accepted the pupil")


class Action(enum.StrEnum):
    create = "create"  # school
    edit = "edit"  # school
    withdraw_request = "withdraw_request"  # school; the admin too (a pupil of two schools)
    invite = "invite"  # service
    withdraw_invitation = "withdraw_invitation"  # service, its own invitation
    decline = "decline"  # service, its own invitation
    accept = "accept"  # service, with a live invitation of its own
    release = "release"  # service, its own acceptance


@dataclass(frozen=True)
class Rule:
    role: str
    phases: frozenset[Phase]
    states: frozenset[RequestState]
    # The error for each state that is not allowed (a state missing here cannot occur).
    refusals: dict[RequestState, type[DomainError]]


WORKING = frozenset({Phase.requests_open, Phase.decisions_open})
NOT_ACCEPTED = frozenset({RequestState.open, RequestState.invited})
_ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE = {
    RequestState.accepted: AlreadyAccepted,
    RequestState.withdrawn: RequestWithdrawn,
}

TABLE: dict[Action, Rule] = {
    Action.create: Rule("school", frozenset({Phase.requests_open}), frozenset(), {}),
    Action.edit: Rule(
        "school",
        WORKING,
        NOT_ACCEPTED,
        {RequestState.accepted: RequestLocked, RequestState.withdrawn: RequestWithdrawn},
    ),
    Action.withdraw_request: Rule(
        "school",
        WORKING,
        NOT_ACCEPTED,
        {RequestState.accepted: RequestLocked, RequestState.withdrawn: RequestWithdrawn},
    ),
    Action.invite: Rule("service", WORKING, NOT_ACCEPTED, _ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE),
    Action.withdraw_invitation: Rule(
        "service",
        WORKING,
        frozenset({RequestState.invited}),
        {RequestState.open: NotInvited, **_ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE},
    ),
    Action.decline: Rule(
        "service",
        WORKING,
        frozenset({RequestState.invited}),
        {RequestState.open: NotInvited, **_ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE},
    ),
    Action.accept: Rule(
        "service",
        WORKING,
        frozenset({RequestState.invited}),
        {RequestState.open: NotInvited, **_ON_ACCEPTED_OR_WITHDRAWN_FOR_SERVICE},
    ),
    Action.release: Rule(
        "service",
        WORKING,
        frozenset({RequestState.accepted}),
        {
            RequestState.open: NotAccepted,
            RequestState.invited: NotAccepted,
            RequestState.withdrawn: RequestWithdrawn,
        },
    ),
}

_DEADLINE_OF_PHASE = {
    # When an action is refused by the phase, which deadline to name.
    Phase.before_open: "opens_at",
    Phase.decisions_open: "request_deadline",
    Phase.closed: "decision_deadline",
}


def allows(action: Action, phase: Phase, state: RequestState) -> bool:
    """Whether the table allows `action` now (for the actions a response offers)."""
    rule = TABLE[action]
    return phase in rule.phases and state in rule.states


def check(
    action: Action, phase: Phase, state: RequestState | None, campaign: Campaign | None = None
) -> None:
    """Raises the action's 409 when the phase or the request's state forbids it; the phase
    is checked first, so every write after a deadline answers `phase_closed`."""
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

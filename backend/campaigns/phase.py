"""A campaign's phase at a moment, from its three deadlines (SPEC section 2)."""

import enum
from datetime import datetime
from typing import Protocol

from backend import clock


class Phase(enum.StrEnum):
    before_open = "before_open"  # nothing yet; supervisors can be managed any time
    requests_open = "requests_open"  # schools enter requests; services invite and accept
    decisions_open = "decisions_open"  # no new requests; edits, invitations, decisions
    closed = "closed"  # the allocation is final and read-only


class Moments(Protocol):
    """A campaign's three moments: a Campaign row, or the read model's CampaignView."""

    @property
    def opens_at(self) -> datetime: ...
    @property
    def request_deadline(self) -> datetime: ...
    @property
    def decision_deadline(self) -> datetime: ...


def phase_of(campaign: Moments, at: datetime | None = None) -> Phase:
    at = at or clock.now()
    if at < campaign.opens_at:
        return Phase.before_open
    # The deadlines are the last moments at which their writes are still allowed.
    if at <= campaign.request_deadline:
        return Phase.requests_open
    if at < campaign.decision_deadline:
        return Phase.decisions_open
    return Phase.closed


def next_deadline(campaign: Moments, at: datetime | None = None) -> datetime | None:
    """The deadline that comes next (for the client's banner), or None once closed."""
    match phase_of(campaign, at):
        case Phase.before_open:
            return campaign.opens_at
        case Phase.requests_open:
            return campaign.request_deadline
        case Phase.decisions_open:
            return campaign.decision_deadline
    return None

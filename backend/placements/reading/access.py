"""Which requests a viewer may know, and which status a request shows: each written once, as
an SQL expression, so that the detail, the lists, the exports, the admin's reads and the
writes (which read their request first) can never disagree (docs/DECISIONS.md, "One access
rule, one status, one view").

Both expressions read the request joined with its campaign and use two bind parameters,
`viewer` (the actor's organisation) and `now` (the clock), whose values `viewer_values` gives:
a statement built with them can be kept and run again for any viewer of the same role."""

import enum
import uuid
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Enum,
    Exists,
    String,
    and_,
    bindparam,
    case,
    exists,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad
from sqlalchemy.sql.elements import BindParameter

from backend import clock
from backend.auth.actor import Actor
from backend.campaigns.models import Campaign
from backend.errors import NotFound
from backend.organisations.models import OrganisationKind
from backend.placements.models import (
    Acceptance,
    Invitation,
    InvitationOutcome,
    PlacementRequest,
    RequestState,
    RequestStatus,
)

LISTED_STATES = (RequestState.open, RequestState.invited)


def word(value: enum.StrEnum) -> ColumnElement[str]:
    """One of our fixed words (an enum's value: lowercase letters and underscores) written
    into the statement, not bound: a list of bound values (`IN`) is expanded into the
    statement's text again at every execution, and PostgreSQL folds a constant once when it
    plans, where a plan made for any values reads a bound one again for each row."""
    if not value.value.replace("_", "").isalpha():
        raise ValueError(f"not a word: {value.value!r}")
    return literal_column(f"'{value.value}'", String())


_STATUS_TYPE = Enum(RequestStatus, native_enum=False, length=12, create_constraint=False)


def viewer_values(actor: Actor) -> dict[str, Any]:
    """The bind parameters of `readable_by` and `status_column` for `actor`, now."""
    return {"viewer": actor.organisation_id, "now": clock.now()}


def listed_to_services() -> ColumnElement[bool]:
    """In every service's browse list: open or invited, in a campaign in its request or
    decision phase (opened, decision deadline not passed). Before a campaign opens the
    services see nothing of it; after its decision deadline nothing is listed."""
    now: BindParameter[datetime] = bindparam("now")
    return and_(
        PlacementRequest.state.in_([word(state) for state in LISTED_STATES]),
        Campaign.opens_at <= now,
        Campaign.decision_deadline > now,
    )


def _has_invitation(*outcomes: InvitationOutcome) -> Exists:
    return exists().where(
        Invitation.request_id == PlacementRequest.id,
        Invitation.service_id == bindparam("viewer"),
        Invitation.outcome.in_([word(outcome) for outcome in outcomes]),
    )


def own_list(mine: str) -> ColumnElement[bool]:
    """The requests of one of a service's own lists (`mine=`), beside the browse list:

    - invited: its invitation is pending (after the decision deadline too: then not placed);
    - accepted: it accepted the pupil and has not released it;
    - placed_elsewhere: another service accepted while this one's invitation was pending,
      as long as that acceptance stands (after a release the request is listed again);
    - withdrawn: the school withdrew the request while this service's invitation was pending.

    A service that withdrew its invitation, declined or released is back to where it was:
    it knows the request while it is listed, like every service."""
    me: BindParameter[uuid.UUID] = bindparam("viewer")
    match mine:
        case "invited":
            return _has_invitation(InvitationOutcome.pending)
        case "accepted":
            return and_(
                PlacementRequest.state == word(RequestState.accepted),
                PlacementRequest.accepted_service_id == me,
            )
        case "placed_elsewhere":
            return and_(
                PlacementRequest.state == word(RequestState.accepted),
                PlacementRequest.accepted_service_id != me,
                _has_invitation(InvitationOutcome.placed_elsewhere),
            )
        case "withdrawn":
            return and_(
                PlacementRequest.state == word(RequestState.withdrawn),
                _has_invitation(InvitationOutcome.request_withdrawn),
            )
    raise AssertionError(mine)


OWN_LISTS = ("invited", "accepted", "placed_elsewhere", "withdrawn")


@cache
def readable_by(role: OrganisationKind) -> ColumnElement[bool]:
    """THE access rule (SPEC section 5): the requests a viewer of `role` (bind parameter
    `viewer`: its organisation) may know exist. Any other request answers 404, exactly like
    one that does not exist.

    - admin: every request;
    - school: its own, not withdrawn (withdrawing is the school's delete);
    - service: what is listed to every service (`listed_to_services`), and what is in one
      of its own lists (`own_list`): exactly the union of its lists, so that a request is
      in a service's lists exactly when its detail answers.

    Over PlacementRequest joined with its Campaign."""
    match role:
        case OrganisationKind.admin:
            return true()
        case OrganisationKind.school:
            return and_(
                PlacementRequest.school_id == bindparam("viewer"),
                PlacementRequest.state != word(RequestState.withdrawn),
            )
        case OrganisationKind.service:
            # The cheap condition first: most rows of the browse list are decided by it.
            return or_(listed_to_services(), *(own_list(mine) for mine in OWN_LISTS))
    raise AssertionError(role)


def own_with_withdrawn(role: OrganisationKind) -> ColumnElement[bool]:
    """What a viewer's *sync* and its `status=withdrawn` list read: `readable_by`, except
    that a school's own withdrawn requests are in it too (status `withdrawn`), so that a
    school's system sees a withdrawal instead of a request that vanished. Nowhere else does a
    school know them (the detail answers 404); a service's and the admin's are unchanged."""
    if role == OrganisationKind.school:
        return PlacementRequest.school_id == bindparam("viewer")
    return readable_by(role)


def status_column(
    request: Any = PlacementRequest, campaign: Any = Campaign
) -> ColumnElement[RequestStatus]:
    """THE status a request shows (a RequestStatus): withdrawn, accepted, `not_placed` once
    its campaign's decision deadline passed (bind parameter `now`), else open or invited.
    `request` and `campaign` may be aliases (the admin's conflicts compare two requests)."""
    # The Enum type turns the column's text into a RequestStatus on the way out.
    status = type_coerce(
        case(
            (request.state == word(RequestState.withdrawn), word(RequestStatus.withdrawn)),
            (request.state == word(RequestState.accepted), word(RequestStatus.accepted)),
            (campaign.decision_deadline <= bindparam("now"), word(RequestStatus.not_placed)),
            else_=request.state,
        ),
        _STATUS_TYPE,
    )
    return cast(ColumnElement[RequestStatus], status)


def _relations() -> list[_AbstractLoad]:
    """What the writes read of a request besides its campaign (relationships are
    lazy="raise"): the single objects joined in, the two lists in one statement each."""
    return [
        joinedload(PlacementRequest.school, innerjoin=True),
        joinedload(PlacementRequest.supervisor, innerjoin=True),
        joinedload(PlacementRequest.accepted_service),
        selectinload(PlacementRequest.invitations).joinedload(Invitation.service, innerjoin=True),
        selectinload(PlacementRequest.acceptances).joinedload(Acceptance.service, innerjoin=True),
    ]


async def get_visible_request(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, *, for_update: bool = False
) -> PlacementRequest:
    """The request as an ORM object, for a write's logic, if `actor` may know it (`readable_by`);
    otherwise 404, as for a missing one. A write's response is read afterwards as a view
    (`view.read_view`)."""
    query = (
        select(PlacementRequest)
        .join(PlacementRequest.campaign)
        .where(PlacementRequest.id == request_id, readable_by(actor.role))
        .options(contains_eager(PlacementRequest.campaign), *_relations())
    )
    if for_update:
        query = query.with_for_update(of=PlacementRequest)
    request = await session.scalar(query, viewer_values(actor))
    if request is None:
        raise NotFound("No such placement request")
    return request


async def load(session: AsyncSession, request_id: uuid.UUID) -> PlacementRequest:
    """The request with its relations, fresh from the database (after a write changed it)."""
    return (
        await session.execute(
            select(PlacementRequest)
            .where(PlacementRequest.id == request_id)
            .options(joinedload(PlacementRequest.campaign, innerjoin=True), *_relations())
            .execution_options(populate_existing=True)
        )
    ).scalar_one()

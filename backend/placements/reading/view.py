"""One typed view of a placement request (RequestView), read as plain Core rows, and the one
loader that builds it for the lists, the detail, the exports and the responses of the writes.
A view is read, never changed: named tuples (immutable, and built from a row's values by
position several times faster than a frozen dataclass by keyword), no ORM identity map, no
lazy loads.

One statement, whatever the number of rows: the requests are chosen on narrow rows in a
subquery (for a page: the first matches in order, as far as the total is counted, and the
page taken from them; `page_query`), then joined to their campaign, school and supervisor,
and each carries its invitations and acceptances (with their service's name) as a JSON list
from a correlated subquery (`json_agg` on PostgreSQL, `json_group_array` on SQLite), and its
status (`access.status_column`). Statements
are built once for each shape (which filters, which order) and kept; the request's values are
bind parameters."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from sqlalchemy import JSON, Result, Row, Select, Subquery, bindparam, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.auth.actor import Actor
from backend.campaigns.models import Campaign, Track
from backend.db import dialect_of
from backend.errors import NotFound
from backend.organisations.models import Organisation, OrganisationKind
from backend.placements.models import (
    Acceptance,
    Invitation,
    InvitationOutcome,
    PlacementRequest,
    RequestState,
    RequestStatus,
)
from backend.placements.reading.access import (
    own_with_withdrawn,
    readable_by,
    status_column,
    viewer_values,
)
from backend.schemas import PageParams
from backend.supervisors.models import Supervisor

# --- the view -----------------------------------------------------------------------------


class OrganisationRef(NamedTuple):
    """A school or a service, as a request names it."""

    id: uuid.UUID
    name: str


class CampaignView(NamedTuple):
    id: uuid.UUID
    school_year: str
    track: Track
    opens_at: datetime
    request_deadline: datetime
    decision_deadline: datetime  # the current round's
    round: int
    purged_at: datetime | None


class SupervisorView(NamedTuple):
    id: uuid.UUID
    first_name: str
    last_name: str
    phone: str
    email: str


class InterviewView(NamedTuple):
    starts_at: datetime
    duration_minutes: int
    place: str


class InvitationView(NamedTuple):
    service: OrganisationRef
    invited_at: datetime
    outcome: InvitationOutcome
    ended_at: datetime | None
    interview: InterviewView | None = None


class AcceptanceView(NamedTuple):
    service: OrganisationRef
    accepted_at: datetime
    notes: str
    contact_name: str
    contact_phone: str
    contact_email: str
    released_at: datetime | None


class RequestView(NamedTuple):
    """Everything any viewer may be shown of a request (who sees which part is `present`'s
    business), with the status computed in SQL. The request's own columns first, then what
    is composed from other columns (`_COMPOSED`): a view is built from its row by position."""

    id: uuid.UUID
    state: RequestState  # stored; what the table's rules read (the status is what is shown)
    first_name: str
    last_name: str
    national_number_encrypted: str
    street: str
    postcode: str
    city: str
    province: str
    latitude: float | None
    longitude: float | None
    phone: str
    email: str
    transport_modes: list[str]
    remarks: str | None
    start_date: date | None
    end_date: date | None
    hours_per_week: int
    days: list[str]
    form: str | None
    withdrawn_at: datetime | None
    round: int
    created_at: datetime
    updated_at: datetime
    version: int
    status: RequestStatus
    campaign: CampaignView
    school: OrganisationRef
    supervisor: SupervisorView
    invitations: tuple[InvitationView, ...]  # oldest first
    acceptances: tuple[AcceptanceView, ...]  # oldest first, released ones included

    @property
    def live_acceptance(self) -> AcceptanceView | None:
        """The acceptance that holds (not released), if any."""
        return next((a for a in self.acceptances if a.released_at is None), None)

    @property
    def has_agreement(self) -> bool:
        """Whether the pupil has a placement agreement (files/agreement.py): accepted, its
        acceptance holding, and its campaign's personal data not erased (an erased pupil's
        agreement would name nobody, and its national number is gone)."""
        return (
            self.status == RequestStatus.accepted
            and self.live_acceptance is not None
            and self.campaign.purged_at is None
        )


# --- the statement ------------------------------------------------------------------------

_REQUEST = PlacementRequest.__table__
# The parts of a view composed from other columns than the request's own, in its order.
_COMPOSED = ("status", "campaign", "school", "supervisor", "invitations", "acceptances")
# The request's own columns of the view (read by these labels), the campaign's and the
# supervisor's: their views' fields, in their order.
_OWN = tuple(name for name in RequestView._fields if name not in _COMPOSED)
_CAMPAIGN = CampaignView._fields[1:]
_SUPERVISOR = SupervisorView._fields[1:]
_INVITATION = (
    *("service_id", "invited_at", "outcome", "ended_at"),
    *("interview_starts_at", "interview_duration_minutes", "interview_place"),
)
_ACCEPTANCE = (
    *("service_id", "accepted_at", "notes", "contact_name", "contact_phone", "contact_email"),
    "released_at",
)


def _json_list(dialect: str, model: Any, fields: Sequence[str], own_only: bool) -> Any:
    """The rows of `model` (invitations or acceptances) of the outer query's request, with
    their service's name, as a JSON list of objects; with `own_only`, only the viewing
    service's (bind parameter `viewer`): a care service is shown no other, so none is read."""
    table = model.__table__
    pairs = [(f, table.c[f]) for f in fields] + [("service_name", Organisation.name)]
    keys_and_values = chain.from_iterable((literal_column(f"'{k}'"), v) for k, v in pairs)
    if dialect == "postgresql":
        rows = func.json_agg(func.json_build_object(*keys_and_values), type_=JSON)
    else:
        rows = func.json_group_array(func.json_object(*keys_and_values), type_=JSON)
    conditions = [table.c.request_id == _REQUEST.c.id]
    if own_only:
        conditions.append(table.c.service_id == bindparam("viewer"))
    return (
        select(rows)
        .select_from(table)
        .join(Organisation, Organisation.id == table.c.service_id)
        .where(*conditions)
        .scalar_subquery()
    )


def _views_of(
    chosen: Subquery,
    order: Sequence[Any],
    dialect: str,
    own_only: bool = False,
    total: Any = None,
) -> Select[Any]:
    """The wide rows of the requests `chosen` (a subquery with their `id`), labelled; with
    `own_only` (a care service's view) only its own invitations and acceptances."""
    columns = [
        *(_REQUEST.c[name] for name in _OWN),
        _REQUEST.c.campaign_id,
        *(getattr(Campaign, f).label(f"campaign_{f}") for f in _CAMPAIGN),
        _REQUEST.c.school_id,
        Organisation.name.label("school_name"),
        _REQUEST.c.supervisor_id,
        *(getattr(Supervisor, f).label(f"supervisor_{f}") for f in _SUPERVISOR),
        _json_list(dialect, Invitation, _INVITATION, own_only).label("invitations"),
        _json_list(dialect, Acceptance, _ACCEPTANCE, own_only).label("acceptances"),
        status_column().label("status"),
    ]
    if total is not None:
        columns.append(total.label("total"))
    return (
        select(*columns)
        .select_from(chosen)
        .join(_REQUEST, _REQUEST.c.id == chosen.c.id)
        .join(Campaign, Campaign.id == _REQUEST.c.campaign_id)
        .join(Organisation, Organisation.id == _REQUEST.c.school_id)
        .join(Supervisor, Supervisor.id == _REQUEST.c.supervisor_id)
        # A subquery's order does not carry over; the same keys on the same rows do.
        .order_by(*order)
    )


def _chosen(conditions: Sequence[Any]) -> Select[Any]:
    return (
        select(PlacementRequest.id)
        .join(Campaign, Campaign.id == PlacementRequest.campaign_id)
        .where(*conditions)
    )


# A list's total is counted exactly up to this bound (past the page asked for, if that is
# further); past it the answer says "more than" (`Total.is_estimate`). Counting every match
# would cost as much as the whole list, and grow with it (docs/PERFORMANCE.md, "Scale").
TOTAL_BOUND = 1000
# A text search's total is counted to a tenth of that: a word the index of its kind cannot
# give newest first (a name, lists/search.py) is either looked up and its matches sorted, or
# found walking the newest-first index and testing each request, so the walk to the bound is
# as long as the bound divided by the word's share of the requests. Up to 100 a common word
# walks about 14,000 requests at any size (docs/DECISIONS.md, "Lists that stay flat as the
# platform grows", and "The search matches words, not any substring").
SEARCH_TOTAL_BOUND = 100


@dataclass(frozen=True, slots=True)
class Total:
    """How many requests a list holds: `count` exactly, or, with `is_estimate`, more than
    `count` (the count stopped at its bound)."""

    count: int
    is_estimate: bool = False


def count_limit(params: PageParams, bound: int = TOTAL_BOUND) -> int:
    """How far the total of a page (`params`) is counted: one past the bound or the page's
    end, whichever is further, so that "more" is known."""
    return max(bound, params.offset + params.page_size) + 1


def bounded(counted: int, limit: int) -> Total:
    """The total of `counted` matches, counted up to `limit` (`count_limit`)."""
    if counted >= limit:
        return Total(limit - 1, is_estimate=True)
    return Total(counted)


@dataclass(frozen=True)
class PageQuery:
    """The statements of one shape of list (which filters, which order): built once and
    kept, executed with the request's values as bind parameters. Building a statement of
    this size costs more than executing it."""

    page: Any
    count: Any
    # PostgreSQL plans a prepared statement once for any values after a few runs. Where the
    # values decide the plan (a distance box: how many rows are near), that generic plan
    # costs more than planning anew; measured on the browse list (docs/PERFORMANCE.md).
    plan_each_time: bool = False
    # How far the total is counted (`count_limit`).
    total_bound: int = TOTAL_BOUND


def page_query(
    conditions: Sequence[Any],
    order: Sequence[Any],
    dialect: str,
    *,
    plan_each_time: bool = False,
    own_only: bool = False,
    total_bound: int = TOTAL_BOUND,
) -> PageQuery:
    """The requests matching `conditions` (which include the viewer's `readable_by`) in
    `order` (a total order), one page of them (bind parameters `offset` and `limit`) as views,
    each row carrying their total counted up to `count_limit` (bind parameter); and that
    count alone, for a page past the end.

    One reading serves both: the first `count_limit` matches in the list's order (which holds
    the page, `count_limit` reaching past its end), numbered, kept as a CTE; the page is
    taken from them by number, the total is how many there are. In an order an index gives
    (newest first) PostgreSQL walks it and stops after `count_limit` rows, whatever the table
    holds; a window `count(*) OVER ()` would read every match."""
    first = (
        _chosen(conditions)
        .add_columns(func.row_number().over(order_by=order).label("position"))
        .order_by(*order)
        .limit(bindparam("count_limit"))
    )
    matches = first.cte("matches")
    chosen = (
        select(matches.c.id, matches.c.position)
        .where(matches.c.position > bindparam("offset"))
        .order_by(matches.c.position)
        .limit(bindparam("limit"))
        .subquery("chosen")
    )
    total = select(func.count()).select_from(matches).scalar_subquery()
    page = _views_of(chosen, (chosen.c.position,), dialect, own_only, total=total)
    count = select(func.count()).select_from(first.subquery("matches"))
    return PageQuery(page, count, plan_each_time, total_bound)


def all_query(
    conditions: Sequence[Any], order: Sequence[Any], dialect: str, *, own_only: bool = False
) -> Select[Any]:
    """Every request matching `conditions`, in `order`, as views (the exports)."""
    return _views_of(_chosen(conditions).subquery("chosen"), order, dialect, own_only)


@lru_cache(maxsize=16)
def one_query(role: OrganisationKind, dialect: str, with_withdrawn: bool = False) -> Select[Any]:
    """The request `request_id` as a view, if a viewer of `role` may know it (or, with
    `with_withdrawn`, a school's own withdrawn one too: `own_with_withdrawn`)."""
    access = own_with_withdrawn(role) if with_withdrawn else readable_by(role)
    conditions = (PlacementRequest.id == bindparam("request_id"), access)
    own_only = role == OrganisationKind.service
    return _views_of(_chosen(conditions).subquery("chosen"), (), dialect, own_only)


# --- rows to views ------------------------------------------------------------------------


def _utc(text: str | None) -> datetime | None:
    """A timestamp from the JSON lists: PostgreSQL writes its offset, SQLite stores UTC
    without one."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _service(item: dict[str, Any]) -> OrganisationRef:
    return OrganisationRef(uuid.UUID(item["service_id"]), item["service_name"])


def _invitations(raw: list[dict[str, Any]] | None) -> tuple[InvitationView, ...]:
    found = [
        InvitationView(
            service=_service(item),
            invited_at=_utc(item["invited_at"]),  # type: ignore[arg-type]
            outcome=InvitationOutcome(item["outcome"]),
            ended_at=_utc(item["ended_at"]),
            interview=_interview(item),
        )
        for item in raw or ()
    ]
    return tuple(sorted(found, key=attrgetter("invited_at")))


def _interview(item: dict[str, Any]) -> InterviewView | None:
    starts_at = _utc(item.get("interview_starts_at"))
    if starts_at is None or item.get("interview_place") is None:
        return None
    minutes = item.get("interview_duration_minutes") or 60
    return InterviewView(starts_at, minutes, item["interview_place"])


def _acceptances(raw: list[dict[str, Any]] | None) -> tuple[AcceptanceView, ...]:
    found = [
        AcceptanceView(
            service=_service(item),
            accepted_at=_utc(item["accepted_at"]),  # type: ignore[arg-type]
            notes=item["notes"],
            contact_name=item["contact_name"],
            contact_phone=item["contact_phone"],
            contact_email=item["contact_email"],
            released_at=_utc(item["released_at"]),
        )
        for item in raw or ()
    ]
    return tuple(sorted(found, key=attrgetter("accepted_at")))


@lru_cache(maxsize=32)
def _reader(
    labels: tuple[str, ...],
) -> Callable[[Row[Any], dict[Any, CampaignView]], RequestView]:
    """The function that builds a view from a wide row (`_views_of`) whose columns carry
    `labels`: each part taken by its position, found once per shape of statement."""
    at = {label: n for n, label in enumerate(labels)}
    own = itemgetter(*(at[name] for name in _OWN))
    campaign_fields = itemgetter(*(at[f"campaign_{f}"] for f in _CAMPAIGN))
    supervisor_fields = itemgetter(*(at[f"supervisor_{f}"] for f in _SUPERVISOR))
    campaign_id, school_id, school_name, supervisor_id = (
        at[label] for label in ("campaign_id", "school_id", "school_name", "supervisor_id")
    )
    status, invitations, acceptances = (
        at[label] for label in ("status", "invitations", "acceptances")
    )

    def view(row: Row[Any], campaigns: dict[Any, CampaignView]) -> RequestView:
        # The page's requests share their campaign's view.
        campaign = campaigns.get(row[campaign_id])
        if campaign is None:
            campaign = CampaignView(row[campaign_id], *campaign_fields(row))
            campaigns[campaign.id] = campaign
        # By position (mypy cannot count what `own` holds).
        return RequestView(  # type: ignore[call-arg]
            *own(row),
            row[status],
            campaign,
            OrganisationRef(row[school_id], row[school_name]),
            SupervisorView(row[supervisor_id], *supervisor_fields(row)),
            _invitations(row[invitations]),
            _acceptances(row[acceptances]),
        )

    return view


async def _result(session: AsyncSession, statement: Any, values: dict[str, Any]) -> Result[Any]:
    connection = await session.connection()
    result: Result[Any] = await connection.execute(statement, values)
    return result


def _views(result: Result[Any], rows: Sequence[Row[Any]] | None = None) -> list[RequestView]:
    """The views of `result`'s rows (`rows`, where they were already fetched)."""
    view = _reader(tuple(result.keys()))
    campaigns: dict[Any, CampaignView] = {}
    return [view(row, campaigns) for row in (result.all() if rows is None else rows)]


async def plan_each_time(connection: AsyncConnection) -> None:
    """PostgreSQL: the transaction's statements are planned for their own values, not once
    for any (`PageQuery.plan_each_time`)."""
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


async def load_page(
    session: AsyncSession, query: PageQuery, values: dict[str, Any], params: PageParams
) -> tuple[list[RequestView], Total]:
    """One page (`params`) of `query` with the bind parameters `values` (`viewer_values` and
    the filters'), and the total (exact up to `count_limit(params)`)."""
    connection = await session.connection()
    if query.plan_each_time:
        await plan_each_time(connection)
    limit = count_limit(params, query.total_bound)
    values = {**values, "count_limit": limit}
    result = await _result(
        session, query.page, {**values, "offset": params.offset, "limit": params.page_size}
    )
    rows = result.all()
    if not rows:
        # A page past the end has no row to carry the total.
        counted = 0
        if params.offset:
            counted = (await connection.execute(query.count, values)).scalar() or 0
        return [], bounded(counted, limit)
    return _views(result, rows), bounded(rows[0].total, limit)


async def load_all(
    session: AsyncSession, statement: Select[Any], values: dict[str, Any]
) -> list[RequestView]:
    """Every request of `statement` (from `all_query`) as views."""
    return _views(await _result(session, statement, values))


async def read_view(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, *, with_withdrawn: bool = False
) -> RequestView:
    """The request as a view if `actor` may know it (`readable_by`; `with_withdrawn`: a
    school's own withdrawn one too); otherwise 404, as for a missing one. One statement."""
    statement = one_query(actor.role, dialect_of(session), with_withdrawn)
    result = await _result(session, statement, {**viewer_values(actor), "request_id": request_id})
    found = _views(result)
    if not found:
        raise NotFound("No such placement request")
    return found[0]

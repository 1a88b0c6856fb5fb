"""Shapes of a school's placement request. Pydantic checks the raw shape (types, lengths,
enumerations); the domain rules (national number, postcode, supervisor, dates, form) are in
validation.py, so each stage reports all of its field errors at once."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backend.campaigns.phase import Phase
from backend.campaigns.schemas import CampaignActions
from backend.organisations.schemas import Province
from backend.placements.models import EventKind, InvitationOutcome, RequestStatus
from backend.placements.transitions import Action
from backend.schemas import MultiLine, SingleLine, StrictModel

Track = Literal["duaal", "stage"]
TransportMode = Literal["car", "e_bike_moped", "bike", "public_transport"]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Form = Literal["block", "alternating"]

TRANSPORT_MODES: tuple[str, ...] = get_args(TransportMode)
DAYS: tuple[str, ...] = get_args(Day)


class RequestCreate(StrictModel):
    track: Track = Field(description="The request joins the open campaign of this track")
    first_name: SingleLine = Field(min_length=1, max_length=100)
    last_name: SingleLine = Field(min_length=1, max_length=100)
    national_number: SingleLine = Field(
        min_length=1,
        max_length=40,
        description="11 digits YYMMDDSSSCC; dots, dashes and spaces are stripped",
    )
    street: SingleLine = Field(min_length=1, max_length=200)
    postcode: str = Field(pattern=r"^\d{4}$")
    city: SingleLine = Field(min_length=1, max_length=100)
    province: Province | None = Field(None, description="Derived from the postcode when absent")
    phone: SingleLine = Field(min_length=1, max_length=40, description="Stored as E.164")
    email: SingleLine = Field(min_length=1, max_length=320)
    transport_modes: list[TransportMode] = Field(min_length=1)
    remarks: MultiLine | None = Field(None, max_length=2000)
    supervisor_id: uuid.UUID
    start_date: date | None = None
    end_date: date | None = None
    hours_per_week: int = Field(ge=1, le=40)
    days: list[Day] = Field(min_length=1)
    form: Form | None = Field(None, description="Required for duaal, absent for stage")


class RequestUpdate(StrictModel):
    """Only the fields given change; the track (the campaign) does not."""

    first_name: SingleLine | None = Field(None, min_length=1, max_length=100)
    last_name: SingleLine | None = Field(None, min_length=1, max_length=100)
    national_number: SingleLine | None = Field(None, min_length=1, max_length=40)
    street: SingleLine | None = Field(None, min_length=1, max_length=200)
    postcode: str | None = Field(None, pattern=r"^\d{4}$")
    city: SingleLine | None = Field(None, min_length=1, max_length=100)
    province: Province | None = None
    phone: SingleLine | None = Field(None, min_length=1, max_length=40)
    email: SingleLine | None = Field(None, min_length=1, max_length=320)
    transport_modes: list[TransportMode] | None = Field(None, min_length=1)
    remarks: MultiLine | None = Field(None, max_length=2000)
    supervisor_id: uuid.UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    hours_per_week: int | None = Field(None, ge=1, le=40)
    days: list[Day] | None = Field(None, min_length=1)
    form: Form | None = None


class RevealBody(StrictModel):
    reason: MultiLine = Field(min_length=5, max_length=500, description="Why the data are needed")


# The same reason as a query parameter (the agreement's download by the admin).
RevealReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=5, max_length=500),
    *MultiLine.__metadata__,
]


# --- the request as it is read ------------------------------------------------------------
# Documentation and tests only: the responses are built as dicts by `reading.present` and
# encoded as they are (validating 200 items per page again would cost more than encoding
# them, docs/PERFORMANCE.md). tests/conftest.py validates every answer of the request
# endpoints against `RequestRead`, so the whole suite checks that this model tells the truth.


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def Hidden(description: str) -> Any:  # noqa: N802 (reads as a field type)
    """A field some viewers do not get (SPEC section 5): absent from their answer, never null.
    In the JSON schema it is not `required` and has no default; validating an answer without
    it leaves None, and a null given for a non-nullable type is refused."""
    return Field(default=None, description=description, json_schema_extra=_no_default)


class _Read(BaseModel):
    # An answer with a key the model does not document fails the suite's check.
    model_config = ConfigDict(extra="forbid")


class RequestOrganisation(_Read):
    id: uuid.UUID
    name: str


class RequestCampaign(_Read):
    id: uuid.UUID
    school_year: str
    track: Track
    phase: Phase
    opens_at: datetime
    request_deadline: datetime
    decision_deadline: datetime = Field(description="The current round's decision deadline")
    round: int = Field(ge=1, description="The campaign's current round (1, then 2...)")
    next_deadline: datetime | None = Field(description="None once the campaign is closed")
    actions: CampaignActions


class RequestSupervisor(_Read):
    id: uuid.UUID
    first_name: str
    last_name: str
    phone: str
    email: str


class InterviewRead(_Read):
    """The interview the inviting service proposes (seen by it, the school and the admin)."""

    starts_at: datetime
    ends_at: datetime = Field(description="`starts_at` plus `duration_minutes`")
    duration_minutes: int
    place: str


class InvitationRead(_Read):
    service: RequestOrganisation
    invited_at: datetime
    outcome: InvitationOutcome
    ended_at: datetime | None
    interview: InterviewRead | None = Field(
        description="The proposed interview; null when the service proposed none"
    )


class AcceptanceContact(_Read):
    name: str
    phone: str
    email: str


class AcceptanceRead(_Read):
    service: RequestOrganisation
    accepted_at: datetime
    notes: str
    contact_person: AcceptanceContact


class ReleaseRead(_Read):
    service: RequestOrganisation
    released_at: datetime


Date = date


class FitReason(_Read):
    """One part of a fit score: `weight` is the points it gave (the parts add up to the
    score); the other members say what it is about, for the client's words."""

    code: Literal[
        "distance", "distance_unknown", "days", "transport", "hours", "start", "start_unknown"
    ]
    weight: float
    km: float = Hidden("distance, transport: the pupil's distance")
    max_km: float = Hidden("distance: the service's maximum distance, when it stated one")
    days: list[Day] = Hidden("days: the pupil's days that fit the service")
    other_days: list[Day] = Hidden("days: the pupil's days that do not")
    modes: list[TransportMode] = Hidden("transport: the pupil's ways to come that fit")
    hours: int = Hidden("hours: the pupil's hours per week")
    date: "Date" = Hidden("start: the pupil's start date")
    fits: bool = Hidden(
        "distance (with a maximum), transport, hours, start: within what the service stated"
    )


class FitRead(_Read):
    score: int = Field(ge=0, le=100)
    reasons: list[FitReason] = Field(description="Strongest first")


class RequestRead(_Read):
    """A placement request as its viewer may see it (SPEC section 5, docs/PRODUCT.md "Who sees
    what"). Every viewer who may know the request gets the required fields; the others are
    absent for viewers who may not see them, never null."""

    id: uuid.UUID
    track: Track
    status: RequestStatus = Field(
        description="Computed by the server: not_placed once the decision deadline passed "
        "without an acceptance"
    )
    round: int = Field(
        ge=1,
        description="The campaign's round the request is in: 1, or the later round that "
        "opened it again for every service after it ended not placed. A request accepted or "
        "withdrawn in an earlier round than the campaign's is final",
    )
    campaign: RequestCampaign
    school: RequestOrganisation
    first_name: str
    last_name: str
    postcode: str
    city: str
    province: Province
    transport_modes: list[TransportMode]
    remarks: str | None
    supervisor: RequestSupervisor
    start_date: date | None
    end_date: date | None
    hours_per_week: int
    days: list[Day]
    form: Form | None
    street: str = Hidden("The owning school, the accepting service and the admin")
    national_number: str = Hidden("11 digits; the owning school and the accepting service")
    phone: str = Hidden("The owning school and the accepting service")
    email: str = Hidden("The owning school and the accepting service")
    invitations: list[InvitationRead] = Field(
        description="The school and the admin: every invitation; a service: its own only"
    )
    acceptance: AcceptanceRead | None = Hidden(
        "The school and the admin (null when none holds); the accepting service"
    )
    releases: list[ReleaseRead] = Hidden(
        "The school and the admin: the acceptances their services undid, oldest first (the "
        "reason is in the request's history)"
    )
    agreement_url: str = Hidden(
        "The path of the placement agreement (PDF, GET): the owning school and the accepting "
        "service, while the pupil is accepted"
    )
    withdrawn_at: datetime | None = Hidden(
        "The admin; the owning school in its sync and `status=withdrawn` list, which alone "
        "show it its withdrawn requests (status `withdrawn`)"
    )
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="The ETag; PATCH's If-Match")
    actions: list[Action] = Field(
        description="What this viewer may do with the request now (transitions.TABLE), each "
        "one the server accepts: the owning school `edit`, `withdraw_request`; a service "
        "`invite` (no live invitation of its own), `withdraw_invitation`, `decline`, `accept` "
        "(its live invitation, and a place left when it set a capacity), `release` (its "
        "acceptance); the admin `withdraw_request`. Empty after the decision deadline, and "
        "for a read-only API token"
    )
    distance_km: float = Hidden("The services' browse and own lists, when the distance is known")
    fit: FitRead = Hidden(
        "The services' browse list with `sort=fit`: how well the pupil fits the service "
        "(placements/fit.py), with the reasons"
    )


class StatusCounts(BaseModel):
    """How many requests show each status (the overview's `status=` filter)."""

    open: int = 0
    invited: int = 0
    accepted: int = 0
    not_placed: int = 0


class OwnListCounts(BaseModel):
    """How many requests a service's own lists hold (`mine=`)."""

    invited: int = 0
    accepted: int = 0


class RequestSummary(BaseModel):
    """A start page's numbers for one track, as the caller may know them."""

    track: Literal["duaal", "stage"]
    by_status: StatusCounts = Field(
        description="The overview's `status=` filter (a service: every request it may know, "
        "its browse list and its own lists)"
    )
    mine: OwnListCounts | None = Field(
        None, description="A service's own lists (`mine=invited`, `mine=accepted`)"
    )
    places_left: int | None = Field(
        None, description="A service's places left in the current campaign; null: no limit"
    )
    campaign_id: uuid.UUID | None
    decision_deadline: datetime | None
    deadline_near: bool = Field(description="The decision deadline is within 7 days")


class RevealedData(_Read):
    """A pupil's data the admin revealed (audited, with the reason)."""

    id: uuid.UUID
    national_number: str
    phone: str
    email: str


# --- a request's history ------------------------------------------------------------------


class HistoryActor(_Read):
    organisation_id: uuid.UUID
    organisation_name: str | None
    role: Literal["admin", "school", "service"] | None


class HistoryDetails(BaseModel):
    """What an event records besides its kind; each member only where it applies."""

    fields: list[str] = Hidden(
        "`updated`: the fields changed; `disclosed`: the personal fields shown"
    )
    reason: str = Hidden(
        "`declined` (the service's), `released`, `withdrawn` by the admin: the reason given"
    )
    notes: str = Hidden("`accepted`: the service's notes")
    contact_name: str = Hidden("`accepted`: the service's contact person")
    via: str = Hidden(
        "How it came: `import` (`created`, `updated` by the import); `disclosed`: the "
        "channel (a list, the detail, an export, the API, the admin's reveal)"
    )
    organisation: RequestOrganisation = Hidden("`disclosed`: who was shown the fields")
    count: int = Hidden("`disclosed`: how many times that day (folded into one event)")
    last_at: datetime = Hidden("`disclosed`: the last of them")
    round: int = Hidden("`round_opened`: the round the request is open in again")
    decision_deadline: datetime = Hidden("`round_opened`: that round's decision deadline")
    starts_at: datetime = Hidden("`interview_set`: the interview's moment")
    place: str = Hidden("`interview_set`: the interview's place")


class HistoryEvent(_Read):
    id: uuid.UUID
    at: datetime
    kind: EventKind
    actor: HistoryActor | None = Field(description="None: the system (a deadline, a purge)")
    details: HistoryDetails


class RecordMail(_Read):
    created_at: datetime
    sent_at: datetime | None
    to: str
    subject: str = Field(description="Links replaced by `[link]`")
    body: str = Field(description="The text part, links replaced by `[link]`")


class PupilRecord(_Read):
    """Everything Stagematch holds about one of the school's pupils."""

    generated_at: datetime
    request: RequestRead
    history: list[HistoryEvent] = Field(description="Disclosures included")
    mails: list[RecordMail] = Field(description="The mails sent about the pupil")


# --- the import's report ------------------------------------------------------------------

ImportMode = Literal["create_only", "create_or_update", "skip_existing"]
RowResult = Literal["created", "updated", "unchanged", "refused"]


class ImportRowError(_Read):
    row: int = Field(description="The spreadsheet's row number (the header is row 1)")
    field: str
    code: str = Field(
        description="`duplicate_request` (mode create_only: the school's own request of "
        "the pupil is `existing_id`), `duplicate_in_file`, `unknown_supervisor`, or a "
        "field's validation code"
    )
    message: str
    existing_id: uuid.UUID | None = Hidden("`duplicate_request`: the school's own request")


class ImportRowReport(_Read):
    row: int = Field(description="The spreadsheet's row number (the header is row 1)")
    result: RowResult = Field(
        description="What the row does (a dry run, or a refused file: what it would do): "
        "`created` a request, `updated` the school's request of the pupil, left it "
        "`unchanged` (the same values, mode skip_existing, or `code` request_locked), or "
        "`refused` (its errors are in `errors`)"
    )
    id: uuid.UUID | None = Field(
        description="The request: the existing one, or the one created (null in a dry run "
        "and when refused)"
    )
    fields: list[str] = Hidden("`updated`: the fields that change")
    code: Literal["request_locked"] | None = Hidden(
        "`unchanged` although the values differ: the request is accepted, a service has the "
        "pupil, and is no longer edited"
    )


class ImportReport(_Read):
    """The import's answer (and, with 422 import_invalid, the problem's members)."""

    rows: int = Field(description="The file's non-empty rows")
    valid: int = Field(description="The rows without errors")
    dry_run: bool
    mode: ImportMode
    created: int = Field(description="Rows whose `result` is `created` (a dry run: would be)")
    updated: int
    unchanged: int
    refused: int
    errors: list[ImportRowError]
    results: list[ImportRowReport] = Field(description="One per row, in the file's order")

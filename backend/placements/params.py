"""The query parameters of `GET /placement-requests`, for every role (one model, so the
OpenAPI document shows one list endpoint)."""

import uuid
from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from backend.organisations.schemas import Province
from backend.schemas import PageParams, SingleLine

Sort = Literal["newest", "oldest", "name", "start_date", "distance", "status", "updated", "fit"]


class RequestListParams(PageParams):
    # every role
    track: Literal["duaal", "stage"] | None = None
    q: SingleLine | None = Field(
        None,
        max_length=100,
        description="Free text, every word must match: names, city, postcode; for a school also "
        "a pupil's national number (11 digits, dots, dashes and spaces allowed), which finds "
        "its own request. A service's browse list matches a postcode or a whole town name "
        "exactly and other words by their start (docs/integrations.md)",
    )
    # every role: incremental sync, in order of change (lists/sync.py)
    updated_since: AwareDatetime | None = Field(
        None,
        description="Only the requests changed at this moment or later, in order of change "
        "(oldest change first); the answer's `next_cursor` continues from there. A school's "
        "sync lists its withdrawn requests too (status `withdrawn`)",
    )
    cursor: str | None = Field(
        None,
        max_length=200,
        description="The `next_cursor` of the previous answer: the requests changed after "
        "its last one, in order of change (opaque; keep the other filters the same)",
    )
    # school and admin
    status: Literal["open", "invited", "accepted", "not_placed", "withdrawn"] | None = Field(
        None,
        description="`withdrawn`: the requests the school withdrew (for a school, its own; "
        "they are in no other list of a school but its sync)",
    )
    supervisor_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    # service (browse)
    province: list[Province] | None = None
    near: str | None = Field(
        None,
        pattern=r"^\d{4}$",
        description="Postcode to measure from (default: the service's own)",
    )
    max_km: float | None = Field(None, gt=0, le=300)
    transport: list[Literal["car", "e_bike_moped", "bike", "public_transport"]] | None = None
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None
    form: Literal["block", "alternating"] | None = None
    start_from: date | None = None
    start_to: date | None = None
    mine: Literal["invited", "accepted", "placed_elsewhere", "withdrawn"] | None = Field(
        None, description="A service's own lists"
    )
    sort: Sort | None = Field(
        None,
        description="Default `newest`. `updated`: in order of change, oldest first, with "
        "`next_cursor` (the order of `updated_since` and `cursor`, which take no other). "
        "`fit` (a care service's browse list only): best fit first, by the service's "
        "preferences, each item with its `fit` (score and reasons); within the service's "
        "maximum distance when it stated one and `max_km` is not given; its pages reach the "
        "5,000th request (deeper: 422 `fit_too_deep`)",
    )

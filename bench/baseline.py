"""The benchmark's baseline: a bare Starlette app that answers the same pages as the API, each
through one hand-written asyncpg query and orjson. No ORM, no validation, no authentication
(the caller names the service or school in the query string): what the pages cost at least.

    DATABASE_URL=postgresql://... uvicorn bench.baseline:app --port 8712

GET /browse?service_id=..&max_km=..[&page_size=50]  a service's browse page within max_km of
                                                   its postcode, newest first
GET /overview?school_id=..[&page_size=200]          a school's overview, newest first
GET /healthz

The items carry the same fields, with the same values, as the API's (the bench checks the
ids and their order; tests/test_bench.py compares whole items on a small database)."""

import math
import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
from cryptography.fernet import Fernet, MultiFernet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.reference.postcodes import lookup_postcode

KM_PER_DEGREE_LATITUDE = 111.2
BOX_MARGIN = 1.02
TOTAL_BOUND = 1000
EARTH_RADIUS_KM = 6371.0088

_CAMPAIGN = """json_build_object('id', c.id, 'school_year', c.school_year, 'track', c.track,
    'opens_at', c.opens_at, 'request_deadline', c.request_deadline,
    'decision_deadline', c.decision_deadline, 'round', c.round)"""
_SUPERVISOR = """json_build_object('id', s.id, 'first_name', s.first_name,
    'last_name', s.last_name, 'phone', s.phone, 'email', s.email)"""

# Only constants are interpolated into the SQL (S608 below).
# $1 service, $2 now, $3..$6 the bounding box, $7 origin latitude, $8 longitude, $9 max_km,
# $10 limit, $11 offset, $12 how far the total is counted. The page is chosen on narrow rows
# (id, time, distance), then only its 50 rows are joined and built; the total is counted up
# to a bound (max(1000, the page's end) + 1), newest first, as the API counts it (issue 17).
# The candidates are written out twice, not as a CTE named twice, which PostgreSQL would
# materialise whole.
_CANDIDATE = f"""
    SELECT r.id, r.created_at, 2 * {EARTH_RADIUS_KM} * asin(sqrt(least(1.0,
        power(sin(radians(r.latitude - $7) / 2), 2)
        + cos(radians($7)) * cos(radians(r.latitude))
          * power(sin(radians(r.longitude - $8) / 2), 2)))) AS distance
    FROM placement_request r JOIN campaign c ON c.id = r.campaign_id
    WHERE c.decision_deadline > $2 AND r.state IN ('open', 'invited')
      AND r.latitude BETWEEN $3 AND $4 AND r.longitude BETWEEN $5 AND $6
"""  # noqa: S608
BROWSE = f"""
WITH page AS (
    SELECT id, created_at, distance,
        (SELECT count(*) FROM (SELECT 1 FROM ({_CANDIDATE}) AS candidate WHERE distance <= $9
                               ORDER BY created_at DESC LIMIT $12) AS counted) AS total
    FROM ({_CANDIDATE}) AS candidate WHERE distance <= $9
    ORDER BY created_at DESC, id
    LIMIT $10 OFFSET $11
)
SELECT r.id, r.first_name, r.last_name, r.postcode, r.city, r.province, r.transport_modes,
    r.remarks, r.start_date, r.end_date, r.hours_per_week, r.days, r.form, r.state,
    r.school_id, r.round, r.created_at, r.updated_at, r.version, page.distance, page.total,
    o.name AS school_name, {_CAMPAIGN} AS campaign, {_SUPERVISOR} AS supervisor,
    (SELECT coalesce(json_agg(json_build_object('service_id', i.service_id,
            'service_name', so.name, 'invited_at', i.invited_at, 'outcome', i.outcome,
            'ended_at', i.ended_at, 'interview_starts_at', i.interview_starts_at,
            'interview_duration_minutes', i.interview_duration_minutes,
            'interview_place', i.interview_place) ORDER BY i.invited_at), '[]')
       FROM invitation i JOIN organisation so ON so.id = i.service_id
      WHERE i.request_id = r.id AND i.service_id = $1) AS invitations
FROM page
JOIN placement_request r ON r.id = page.id
JOIN campaign c ON c.id = r.campaign_id
JOIN organisation o ON o.id = r.school_id
JOIN supervisor s ON s.id = r.supervisor_id
ORDER BY page.created_at DESC, page.id
"""  # noqa: S608

# $1 school, $2 limit, $3 offset.
OVERVIEW = f"""
SELECT r.id, r.first_name, r.last_name, r.postcode, r.city, r.province, r.transport_modes,
    r.remarks, r.start_date, r.end_date, r.hours_per_week, r.days, r.form, r.state,
    r.school_id, r.round, r.created_at, r.updated_at, r.version, r.street,
    r.national_number_encrypted, r.phone, r.email,
    o.name AS school_name, {_CAMPAIGN} AS campaign, {_SUPERVISOR} AS supervisor,
    (SELECT coalesce(json_agg(json_build_object('service_id', i.service_id,
            'service_name', so.name, 'invited_at', i.invited_at, 'outcome', i.outcome,
            'ended_at', i.ended_at, 'interview_starts_at', i.interview_starts_at,
            'interview_duration_minutes', i.interview_duration_minutes,
            'interview_place', i.interview_place) ORDER BY i.invited_at), '[]')
       FROM invitation i JOIN organisation so ON so.id = i.service_id
      WHERE i.request_id = r.id) AS invitations,
    (SELECT json_build_object('service_id', a.service_id, 'service_name', ao.name,
            'accepted_at', a.accepted_at, 'notes', a.notes, 'contact_name', a.contact_name,
            'contact_phone', a.contact_phone, 'contact_email', a.contact_email)
       FROM acceptance a JOIN organisation ao ON ao.id = a.service_id
      WHERE a.request_id = r.id AND a.released_at IS NULL
      ORDER BY a.accepted_at LIMIT 1) AS acceptance,
    (SELECT coalesce(json_agg(json_build_object('service_id', a.service_id,
            'service_name', ao.name, 'released_at', a.released_at) ORDER BY a.accepted_at), '[]')
       FROM acceptance a JOIN organisation ao ON ao.id = a.service_id
      WHERE a.request_id = r.id AND a.released_at IS NOT NULL) AS releases,
    count(*) OVER () AS total
FROM placement_request r
JOIN campaign c ON c.id = r.campaign_id
JOIN organisation o ON o.id = r.school_id
JOIN supervisor s ON s.id = r.supervisor_id
WHERE r.school_id = $1 AND r.state <> 'withdrawn'
ORDER BY r.created_at DESC, r.id
LIMIT $2 OFFSET $3
"""  # noqa: S608

SERVICE_POSTCODE = "SELECT postcode FROM organisation WHERE id = $1 AND kind = 'service'"
# The campaigns in which the service has a capacity and no place left: there it cannot accept.
FULL_CAMPAIGNS = (
    "SELECT campaign_id FROM service_capacity WHERE service_id = $1 AND used >= capacity"
)

# What each role may still do in a campaign, by phase (the API's campaign `actions`).
_WORKING = {
    "school": ["edit", "withdraw_request"],
    "service": ["invite", "withdraw_invitation", "decline", "accept", "release"],
    "admin": ["withdraw_request"],
}
CAMPAIGN_ACTIONS = {
    "before_open": {"school": [], "service": [], "admin": []},
    "requests_open": {**_WORKING, "school": ["create", *_WORKING["school"]]},
    "decisions_open": _WORKING,
    "closed": {"school": [], "service": [], "admin": []},
}


def _dsn() -> str:
    url = os.environ["DATABASE_URL"]
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql://" + url[len(prefix) :]
    return url


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in os.environ["DATA_KEY"].split(",") if k.strip()]
    return MultiFernet([Fernet(k) for k in keys])


def _time(text: str | None) -> str | None:
    """A json_build_object timestamp ('2026-01-02T03:04:05.123+00:00') as the API writes it
    (datetime.isoformat in UTC)."""
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(UTC).isoformat()


def _campaign(raw: dict, now: datetime) -> dict:
    opens = datetime.fromisoformat(raw["opens_at"])
    requests_due = datetime.fromisoformat(raw["request_deadline"])
    decisions_due = datetime.fromisoformat(raw["decision_deadline"])
    if now < opens:
        phase, following = "before_open", opens
    elif now <= requests_due:
        phase, following = "requests_open", requests_due
    elif now < decisions_due:
        phase, following = "decisions_open", decisions_due
    else:
        phase, following = "closed", None
    return {
        "id": raw["id"],
        "school_year": raw["school_year"],
        "track": raw["track"],
        "phase": phase,
        "opens_at": _time(raw["opens_at"]),
        "request_deadline": _time(raw["request_deadline"]),
        "decision_deadline": _time(raw["decision_deadline"]),
        "round": raw["round"],
        "next_deadline": following.astimezone(UTC).isoformat() if following else None,
        "actions": CAMPAIGN_ACTIONS[phase],
    }


def _working(item: dict) -> bool:
    return item["campaign"]["phase"] in ("requests_open", "decisions_open")


def _service_actions(item: dict, state: str, full: set) -> list[str]:
    """A browsing service's actions on an open or invited request (the API's `actions`)."""
    if not _working(item) or state not in ("open", "invited"):
        return []
    if not any(i["outcome"] == "pending" for i in item["invitations"]):
        return ["invite"]
    answers = ["withdraw_invitation", "decline"]
    return answers if item["campaign"]["id"] in full else [*answers, "accept"]


def _invitation(raw: dict) -> dict:
    return {
        "service": {"id": raw["service_id"], "name": raw["service_name"]},
        "invited_at": _time(raw["invited_at"]),
        "outcome": raw["outcome"],
        "ended_at": _time(raw["ended_at"]),
        "interview": _interview(raw),
    }


def _interview(raw: dict) -> dict | None:
    if raw["interview_starts_at"] is None or raw["interview_place"] is None:
        return None
    starts = datetime.fromisoformat(raw["interview_starts_at"]).astimezone(UTC)
    minutes = raw["interview_duration_minutes"] or 60
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=minutes)).isoformat(),
        "duration_minutes": minutes,
        "place": raw["interview_place"],
    }


def _item(row, now: datetime, campaigns: dict) -> dict:
    raw = orjson.loads(row["campaign"])
    campaign = campaigns.get(raw["id"])
    if campaign is None:
        campaign = campaigns[raw["id"]] = _campaign(raw, now)
    state = row["state"]
    status = state
    if state in ("open", "invited") and campaign["phase"] == "closed":
        status = "not_placed"
    return {
        "id": row["id"],
        "track": campaign["track"],
        "status": status,
        "round": row["round"],
        "campaign": campaign,
        "school": {"id": row["school_id"], "name": row["school_name"]},
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "postcode": row["postcode"],
        "city": row["city"],
        "province": row["province"],
        "transport_modes": orjson.loads(row["transport_modes"]),
        "remarks": row["remarks"],
        "supervisor": orjson.loads(row["supervisor"]),
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "hours_per_week": row["hours_per_week"],
        "days": orjson.loads(row["days"]),
        "form": row["form"],
    }


def _tail(item: dict, row) -> dict:
    item["created_at"] = row["created_at"]
    item["updated_at"] = row["updated_at"]
    item["version"] = row["version"]
    return item


def _page(
    items: list, total: int, page: int, page_size: int, is_estimate: bool = False
) -> Response:
    body = {
        "items": items,
        "total": total,
        "total_is_estimate": is_estimate,
        "page": page,
        "page_size": page_size,
    }
    # default=str: asyncpg's UUIDs are not uuid.UUID.
    return Response(orjson.dumps(body, default=str), media_type="application/json")


def _bounds(latitude: float, max_km: float) -> tuple[float, float]:
    dlat = max_km * BOX_MARGIN / KM_PER_DEGREE_LATITUDE
    widest = math.radians(min(89.0, abs(latitude) + dlat))
    return dlat, max_km * BOX_MARGIN / (KM_PER_DEGREE_LATITUDE * math.cos(widest))


async def browse(request: Request) -> Response:
    q = request.query_params
    service_id = q["service_id"]
    max_km = float(q["max_km"])
    page, page_size = int(q.get("page", 1)), int(q.get("page_size", 50))
    pool = request.app.state.pool
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        postcode = request.app.state.postcodes.get(service_id)
        if postcode is None:
            postcode = await conn.fetchval(SERVICE_POSTCODE, service_id)
            request.app.state.postcodes[service_id] = postcode
        origin = lookup_postcode(postcode or "")
        if origin is None or origin.latitude is None:
            return Response(b'{"code":"unknown_postcode"}', 422, media_type="application/json")
        dlat, dlon = _bounds(origin.latitude, max_km)
        rows = await conn.fetch(
            BROWSE,
            service_id,
            now,
            origin.latitude - dlat,
            origin.latitude + dlat,
            origin.longitude - dlon,
            origin.longitude + dlon,
            origin.latitude,
            origin.longitude,
            max_km,
            page_size,
            (page - 1) * page_size,
            max(TOTAL_BOUND, page * page_size) + 1,
        )
    campaigns: dict = {}
    items = []
    for row in rows:
        item = _item(row, now, campaigns)
        item["invitations"] = [_invitation(i) for i in orjson.loads(row["invitations"])]
        _tail(item, row)["distance_km"] = round(row["distance"], 1)
        items.append(item)
    full: set = set()
    if any(i["outcome"] == "pending" for item in items for i in item["invitations"]):
        async with pool.acquire() as conn:
            full = {str(r["campaign_id"]) for r in await conn.fetch(FULL_CAMPAIGNS, service_id)}
    for item, row in zip(items, rows, strict=True):
        item["actions"] = _service_actions(item, row["state"], full)
    total = rows[0]["total"] if rows else 0
    bound = max(TOTAL_BOUND, page * page_size)
    return _page(items, min(total, bound), page, page_size, is_estimate=total > bound)


async def overview(request: Request) -> Response:
    q = request.query_params
    page, page_size = int(q.get("page", 1)), int(q.get("page_size", 200))
    now = datetime.now(UTC)
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(OVERVIEW, q["school_id"], page_size, (page - 1) * page_size)
    fernet = request.app.state.fernet
    campaigns: dict = {}
    items = []
    for row in rows:
        item = _item(row, now, campaigns)
        item["street"] = row["street"]
        item["national_number"] = fernet.decrypt(row["national_number_encrypted"].encode()).decode()
        item["phone"] = row["phone"]
        item["email"] = row["email"]
        item["invitations"] = [_invitation(i) for i in orjson.loads(row["invitations"])]
        accepted = orjson.loads(row["acceptance"]) if row["acceptance"] else None
        item["acceptance"] = (
            {
                "service": {"id": accepted["service_id"], "name": accepted["service_name"]},
                "accepted_at": _time(accepted["accepted_at"]),
                "notes": accepted["notes"],
                "contact_person": {
                    "name": accepted["contact_name"],
                    "phone": accepted["contact_phone"],
                    "email": accepted["contact_email"],
                },
            }
            if accepted
            else None
        )
        item["releases"] = [
            {
                "service": {"id": a["service_id"], "name": a["service_name"]},
                "released_at": _time(a["released_at"]),
            }
            for a in orjson.loads(row["releases"])
        ]
        state = row["state"]
        working = _working(item) and state in ("open", "invited")
        item["actions"] = ["edit", "withdraw_request"] if working else []
        items.append(_tail(item, row))
    total = rows[0]["total"] if rows else 0
    return _page(items, total, page, page_size)


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@asynccontextmanager
async def _lifespan(app: Starlette):
    # JSON columns arrive as text and are decoded with orjson where used. The database's
    # settings are the API's (backend/db.py, no parallel workers): the ratio measures code.
    app.state.pool = await asyncpg.create_pool(
        _dsn(), min_size=2, max_size=10, server_settings={"max_parallel_workers_per_gather": "0"}
    )
    app.state.fernet = _fernet()
    app.state.postcodes = {}
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/browse", browse),
        Route("/overview", overview),
        Route("/healthz", healthz),
    ],
    lifespan=_lifespan,
)

"""Shared steps of the schools' tests: a campaign and supervisor ready for requests, a valid
request body, the request endpoints."""

from dataclasses import dataclass
from datetime import date

from tests import factories

API = "/api/v1"
REQUESTS = f"{API}/placement-requests"


@dataclass
class Ready:
    campaign: object
    supervisor_id: str
    campaign_id: str
    supervisor: object = None


async def ready(db, school_id, *, track: str = "duaal", phase: str = "requests_open") -> Ready:
    """A campaign of `track` in `phase` and a supervisor of the school; committed for the API."""
    campaign = await factories.campaign(db, track, phase=phase)
    supervisor = await factories.supervisor(db, school_id)
    await db.commit()
    return Ready(campaign, str(supervisor.id), str(campaign.id), supervisor)


def body(supervisor_id, /, *, track: str = "duaal", n: int | None = None, **overrides) -> dict:
    """A valid request body (a pupil born in 2008, Brugge)."""
    number = factories.national_number(n)
    values = {
        "track": track,
        "first_name": "Lotte",
        "last_name": "Vermeulen",
        "national_number": number,
        "street": "Langestraat 12",
        "postcode": "8000",
        "city": "Brugge",
        "phone": "0470 12 34 56",
        "email": "lotte.vermeulen@example.be",
        "transport_modes": ["bike", "public_transport"],
        "remarks": "Kleurenblind",
        "supervisor_id": str(supervisor_id),
        "start_date": "2026-12-01",
        "end_date": "2027-05-31",
        "hours_per_week": 24,
        "days": ["mon", "tue", "wed"],
        "form": "alternating" if track == "duaal" else None,
    }
    if track == "stage":
        values.pop("form")
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not ...}


async def create(client, supervisor_id, /, **overrides):
    return await client.post(REQUESTS, json=body(supervisor_id, **overrides))


def url(request_id, *rest: str) -> str:
    return "/".join([f"{REQUESTS}/{request_id}", *rest])


def fields(response) -> dict[str, str]:
    """field -> code of a 422's errors."""
    assert response.status_code == 422, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def pupil_born(year: int, n: int = 7) -> str:
    from backend.reference.national_number import make_national_number

    return make_national_number(date(year, 3, 14), n)

"""Small factories: accounts straight into the database, sign-in through the API."""

import itertools
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qs, urlparse

import httpx
from passlib.context import CryptContext
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.models import User
from backend.organisations.models import Organisation, OrganisationKind

PASSWORD = "Correct-Paard-Batterij-Niet"
_counter = itertools.count(1)


@dataclass
class Account:
    organisation_id: object
    user_id: object
    email: str
    name: str
    password: str = PASSWORD


@cache
def _password_hash() -> str:
    # Hashed once per test session: the factories make many accounts.
    from backend.auth.security import _password_context

    context: CryptContext = _password_context()
    return context.hash(PASSWORD)


async def account(
    session: AsyncSession,
    kind: str,
    *,
    name: str | None = None,
    email: str | None = None,
    postcode: str = "8000",
    provinces=None,
    activated: bool = True,
) -> Account:
    n = next(_counter)
    name = name or f"{kind.title()} {n}"
    email = email or f"{kind}{n}@example.be"
    organisation = Organisation(
        kind=OrganisationKind(kind),
        name=name,
        email=email,
        postcode=postcode,
        provinces=provinces or [],
    )
    session.add(organisation)
    await session.flush()
    user = User(
        organisation_id=organisation.id,
        email=email,
        password_hash=_password_hash() if activated else None,
        activated_at=clock.now() if activated else None,
    )
    session.add(user)
    await session.flush()
    return Account(organisation.id, user.id, email, name)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def token_from_mail(message) -> str:
    """The `token=` parameter of the first link to the client in a mail."""
    body = message.get_body(("plain",)).get_content() if hasattr(message, "get_body") else message
    url = re.search(r"https?://\S+token=\S+", body).group(0)
    return parse_qs(urlparse(url).query)["token"][0]


# --- campaigns, supervisors, placement requests ------------------------------------------

_pupil_counter = itertools.count(1)


async def campaign(
    session: AsyncSession,
    track: str = "duaal",
    *,
    phase: str = "requests_open",
    school_year: str | None = None,
):
    """A campaign whose phase, at the clock's current time, is `phase`: `before_open`,
    `requests_open`, `decisions_open` or `closed`."""
    from datetime import timedelta

    from backend.campaigns.models import Campaign, CampaignRound, Track

    now = clock.now()
    offsets = {  # opens_at, request_deadline, decision_deadline relative to now (days)
        "before_open": (5, 30, 45),
        "requests_open": (-30, 14, 30),
        "decisions_open": (-60, -5, 10),
        "closed": (-90, -30, -15),
    }[phase]
    opens, requests, decisions = (now + timedelta(days=d) for d in offsets)
    found = Campaign(
        school_year=school_year or f"{2000 + next(_counter)}-x",
        track=Track(track),
        opens_at=opens,
        request_deadline=requests,
        decision_deadline=decisions,
    )
    session.add(found)
    await session.flush()
    session.add(
        CampaignRound(
            campaign_id=found.id, number=1, decision_deadline=decisions, opened_at=clock.now()
        )
    )
    await session.flush()
    return found


async def supervisor(session: AsyncSession, school_id, **overrides):
    from backend.supervisors.models import Supervisor

    n = next(_counter)
    found = Supervisor(
        school_id=school_id,
        **{
            "first_name": "Greet",
            "last_name": f"Begeleider{n}",
            "phone": "+3250123456",
            "email": f"begeleider{n}@example.be",
            **overrides,
        },
    )
    session.add(found)
    await session.flush()
    return found


def national_number(n: int | None = None, birth=None) -> str:
    """A valid national number of a pupil born in 2008 (17-18 years old in 2026)."""
    from datetime import date

    from backend.reference.national_number import make_national_number

    n = n if n is not None else next(_pupil_counter)
    birth = birth or date(2008, 1 + n % 12, 1 + n % 28)
    return make_national_number(birth, 1 + n % 997)


async def placement_request(
    session: AsyncSession,
    *,
    campaign_id,
    school_id,
    supervisor_id,
    postcode: str = "8000",
    **overrides,
):
    """A request straight into the database (encrypted, hashed, coordinates from the postcode)."""
    from backend import crypto
    from backend.placements.models import PlacementRequest
    from backend.reference.postcodes import lookup_postcode

    n = next(_pupil_counter)
    number = overrides.pop("national_number", None) or national_number(n)
    info = lookup_postcode(postcode)
    values = {
        "first_name": f"Leerling{n}",
        "last_name": "Janssens",
        "street": f"Kerkstraat {n}",
        "city": info.municipalities[0].name_nl if info else "Brugge",
        "province": info.province if info else "BE-VWV",
        "latitude": info.latitude if info else None,
        "longitude": info.longitude if info else None,
        "phone": "+32470123456",
        "email": f"leerling{n}@example.be",
        "transport_modes": ["bike", "public_transport"],
        "remarks": None,
        "start_date": None,
        "end_date": None,
        "hours_per_week": 24,
        "days": ["mon", "tue", "wed"],
        "form": "alternating",
        **overrides,
    }
    found = PlacementRequest(
        campaign_id=campaign_id,
        school_id=school_id,
        supervisor_id=supervisor_id,
        postcode=postcode,
        national_number_encrypted=crypto.encrypt(number),
        national_number_hash=crypto.blind_index(number),
        **values,
    )
    session.add(found)
    await session.flush()
    return found

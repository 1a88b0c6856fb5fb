"""Seeds a database at the scale of a Flemish school year: 500 schools, 150 services,
10,000 placement requests, in one campaign per track (bulk inserts, a few seconds). Larger
sizes (`requests=N`, the scale benchmark `bench/scale.py`) keep the shape: 500 schools per
10,000 requests, the same 150 services, one campaign per track; on PostgreSQL the rows go
in with COPY, in chunks.

The campaigns are in their decision phase at the real time of the run (request deadline
yesterday, decision deadline in two weeks): browse lists hold open and invited requests, and
services may invite and accept. The first school has 200 requests (the overview scenario);
the others share the rest. Every third service has a capacity of 10 in the duaal campaign, so
the rush meets `capacity_full` too.

`python -m bench.seed OUT.json` seeds the database of DATABASE_URL and writes the logins."""

import asyncio
import enum
import json
import random
import sys
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.auth.models import User
from backend.auth.security import hash_password
from backend.campaigns.models import Campaign, CampaignRound, Track
from backend.organisations.models import Organisation, OrganisationKind, ServiceCapacity
from backend.placements.models import Invitation, PlacementRequest, RequestState
from backend.reference.national_number import make_national_number
from backend.reference.postcodes import lookup_postcode
from backend.supervisors.models import Supervisor

PASSWORD = "Bench-Wachtwoord-2026"
OVERVIEW_REQUESTS = 200
CAPACITY = 10
# Postcodes of the Flemish provinces and Brussels, where the schools and pupils live.
FLEMISH = ("BE-VAN", "BE-VLI", "BE-VOV", "BE-VBR", "BE-VWV", "BE-BRU")


def _postcodes() -> list:
    found = []
    for code in range(1000, 10000):
        info = lookup_postcode(f"{code}")
        if info and info.province in FLEMISH and info.latitude is not None:
            found.append(info)
    return found


SCHOOLS_PER_10_000 = 500
CHUNK = 20_000


def _copy_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


async def _bulk(session: AsyncSession, model: Any, rows: Iterable[dict]) -> None:
    """Inserts `rows` (dicts with the same keys) into `model`'s table: COPY on PostgreSQL,
    multi-row INSERTs elsewhere; in chunks, so that a million rows never sit in memory."""
    connection = await session.connection()
    table = model.__table__
    iterator: Iterator[dict] = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        if connection.dialect.name != "postgresql":
            for start in range(0, len(chunk), 1000):
                await session.execute(insert(model), chunk[start : start + 1000])
            continue
        columns = list(chunk[0])
        raw = (await connection.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(  # type: ignore[union-attr]
            table.name,
            records=[tuple(_copy_value(row[c]) for c in columns) for row in chunk],
            columns=columns,
        )


async def seed(
    session: AsyncSession,
    schools: int | None = None,
    services: int = 150,
    requests: int = 10_000,
    seed: int = 2026,
) -> dict:
    """Returns the logins the benchmark uses: {'schools': [...], 'services': [...]}. Without
    `schools`, 500 per 10,000 requests."""
    if schools is None:
        schools = max(2, requests * SCHOOLS_PER_10_000 // 10_000)
    rng = random.Random(seed)
    postcodes = _postcodes()
    now = clock.now()
    password_hash = await hash_password(PASSWORD)
    campaign_ids = {}
    for track in (Track.duaal, Track.stage):
        campaign_id = uuid.uuid4()
        campaign_ids[track] = campaign_id
        await session.execute(
            insert(Campaign).values(
                id=campaign_id,
                school_year="2026-2027",
                track=track,
                created_at=now,
                updated_at=now,
                opens_at=now - timedelta(days=150),
                request_deadline=now - timedelta(days=1),
                decision_deadline=now + timedelta(days=14),
            )
        )
        await session.execute(
            insert(CampaignRound).values(
                campaign_id=campaign_id,
                number=1,
                decision_deadline=now + timedelta(days=14),
                opened_at=now,
            )
        )

    def organisations(kind: OrganisationKind, count: int, rng: random.Random) -> list[dict]:
        rows = []
        for n in range(count):
            place = rng.choice(postcodes)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "kind": kind,
                    "name": f"{kind.value.title()} {n:03d}",
                    "email": f"{kind.value}{n:03d}@bench.example.be",
                    "postcode": place.code,
                    "city": place.municipalities[0].name_nl,
                    "language": "nl",
                    "provinces": [place.province] if kind == OrganisationKind.service else [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
        return rows

    school_rows = organisations(OrganisationKind.school, schools, rng)
    # The services from a generator of their own: the same ones at every size.
    service_rows = organisations(OrganisationKind.service, services, random.Random(seed + 1))
    await _bulk(session, Organisation, school_rows + service_rows)
    await _bulk(
        session,
        User,
        (
            {
                "id": uuid.uuid4(),
                "organisation_id": o["id"],
                "email": o["email"],
                "password_hash": password_hash,
                "language": "nl",
                "token_version": 0,
                "activated_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for o in school_rows + service_rows
        ),
    )
    supervisors = {}
    supervisor_rows = []
    for school in school_rows:
        supervisor_id = uuid.uuid4()
        supervisors[school["id"]] = supervisor_id
        supervisor_rows.append(
            {
                "id": supervisor_id,
                "school_id": school["id"],
                "first_name": "Greet",
                "last_name": "Begeleider",
                "phone": "+3250123456",
                "email": f"begeleider-{school['email']}",
                "created_at": now,
                "updated_at": now,
            }
        )
    await _bulk(session, Supervisor, supervisor_rows)

    # Encrypting 10,000 numbers costs a few seconds; the benchmark measures reads.
    invitation_rows: list[dict] = []

    def request_rows() -> Iterator[dict]:
        for n in range(requests):
            # The first school has OVERVIEW_REQUESTS requests, the others share the rest.
            if n < OVERVIEW_REQUESTS or schools == 1:
                school = school_rows[0]
            else:
                school = school_rows[1 + (n - OVERVIEW_REQUESTS) % (schools - 1)]
            place = rng.choice(postcodes)
            track = Track.duaal if n % 4 else Track.stage
            # Every pupil a number of its own (1,008 birth dates, then the next counter), hashed as
            # the app hashes it: readiness checks a stored hash against its number.
            day = n % 1008
            birth = date(2007 + day // 336, 1 + day // 28 % 12, 1 + day % 28)
            number = make_national_number(birth, 1 + n // 1008)
            request_id = uuid.uuid4()
            invited = rng.random() < 0.2
            yield {
                "id": request_id,
                "campaign_id": campaign_ids[track],
                "school_id": school["id"],
                "supervisor_id": supervisors[school["id"]],
                "first_name": f"Leerling{n}",
                "last_name": "Janssens",
                "national_number_encrypted": crypto.encrypt(number),
                "national_number_hash": crypto.blind_index(number),
                "street": f"Kerkstraat {n % 200 + 1}",
                "postcode": place.code,
                "city": place.municipalities[0].name_nl,
                "province": place.province,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "phone": "+32470123456",
                "email": f"leerling{n}@bench.example.be",
                "transport_modes": rng.sample(
                    ["car", "e_bike_moped", "bike", "public_transport"], rng.randint(1, 3)
                ),
                "remarks": None,
                "start_date": date(2027, 2, 1) + timedelta(days=n % 60),
                "end_date": date(2027, 6, 30),
                "hours_per_week": 16 + n % 20,
                "days": rng.sample(["mon", "tue", "wed", "thu", "fri"], rng.randint(2, 4)),
                "form": ("block", "alternating")[n % 2] if track == Track.duaal else None,
                "state": RequestState.invited if invited else RequestState.open,
                "version": 1,
                "created_at": now - timedelta(minutes=n),
                "updated_at": now,
            }
            if invited:
                invitation_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "request_id": request_id,
                        "service_id": rng.choice(service_rows)["id"],
                        "invited_at": now,
                        "outcome": "pending",
                    }
                )

    await _bulk(session, PlacementRequest, request_rows())
    await _bulk(session, Invitation, invitation_rows)
    await session.execute(
        insert(ServiceCapacity),
        [
            {
                "service_id": o["id"],
                "campaign_id": campaign_ids[Track.duaal],
                "capacity": CAPACITY,
                "used": 0,
            }
            for o in service_rows[::3]
        ],
    )
    return {
        "campaigns": {str(k): str(v) for k, v in campaign_ids.items()},
        "schools": [{"id": str(o["id"]), "email": o["email"]} for o in school_rows],
        "services": [
            {"id": str(o["id"]), "email": o["email"], "postcode": o["postcode"]}
            for o in service_rows
        ],
        "password": PASSWORD,
    }


async def _main(out: str, **sizes: int) -> None:
    from backend import startup
    from backend.config import get_settings
    from backend.db import create_engine, create_sessionmaker

    settings = get_settings()
    # The numbers are sealed with these settings' keys (as the CLI's commands do).
    startup.configure(settings)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            logins = await seed(session, **sizes)
            await session.commit()
    finally:
        await engine.dispose()
    Path(out).write_text(json.dumps(logins))  # noqa: ASYNC240


if __name__ == "__main__":
    # python -m bench.seed OUT.json [REQUESTS]
    asyncio.run(_main(sys.argv[1], **({"requests": int(sys.argv[2])} if sys.argv[2:] else {})))

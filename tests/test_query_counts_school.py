"""The school's overview costs the same number of SQL statements for 1,000 requests as
for 10: every relation is loaded per page in one statement, never per row."""

import uuid
from functools import cache

from sqlalchemy import insert

from backend import clock, crypto
from backend.placements.models import Invitation, PlacementRequest
from tests import factories
from tests.schools_helpers import REQUESTS
from tests.statements import count_statements


@cache
def _encrypted() -> str:
    # Not at import: the keys are configured when the session's fixtures start.
    return crypto.encrypt("08010100133")


async def _fill(db, campaign, school_id, supervisor_id, services, n: int) -> None:
    now = clock.now()
    rows = [
        {
            "id": uuid.uuid4(),
            "campaign_id": campaign.id,
            "school_id": school_id,
            "supervisor_id": supervisor_id,
            "first_name": f"Leerling{i}",
            "last_name": "Janssens",
            "national_number_encrypted": _encrypted(),
            "national_number_hash": uuid.uuid4().hex + uuid.uuid4().hex,
            "street": "Kerkstraat 1",
            "postcode": "8000",
            "city": "Brugge",
            "province": "BE-VWV",
            "latitude": 51.2,
            "longitude": 3.2,
            "phone": "+32470123456",
            "email": "x@example.be",
            "transport_modes": ["bike"],
            "remarks": None,
            "start_date": None,
            "end_date": None,
            "hours_per_week": 20,
            "days": ["mon"],
            "form": "block",
            "state": "invited",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    await db.execute(insert(PlacementRequest), rows)
    # Every request invited by two services: the invitations must not cost a query per row.
    await db.execute(
        insert(Invitation),
        [
            {
                "id": uuid.uuid4(),
                "request_id": r["id"],
                "service_id": s,
                "invited_at": now,
                "outcome": "pending",
            }
            for r in rows
            for s in services
        ],
    )
    await db.commit()


async def _overview_statements(app, sessionmaker, engine, db, n: int) -> int:
    from tests.conftest import _role_client

    school = await _role_client(app, sessionmaker, "school")
    try:
        campaign = await factories.campaign(db, "duaal")
        supervisor = await factories.supervisor(db, school.account.organisation_id)
        services = [(await factories.account(db, "service")).organisation_id for _ in range(2)]
        await _fill(db, campaign, school.account.organisation_id, supervisor.id, services, n)
        with count_statements(engine) as statements:
            response = await school.get(REQUESTS, params={"page_size": 200, "sort": "name"})
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == n and len(body["items"]) == min(n, 200)
        assert all(len(i["invitations"]) == 2 for i in body["items"])
        return len(statements)
    finally:
        await school.aclose()


async def test_overview_statements_do_not_grow(app, sessionmaker, engine, db):
    few = await _overview_statements(app, sessionmaker, engine, db, 10)
    many = await _overview_statements(app, sessionmaker, engine, db, 1000)
    assert few == many
    assert few <= 15

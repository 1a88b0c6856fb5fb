"""The browse list issues the same number of SQL statements for 10 requests as for 10,000:
no statement per row, whatever the filters (best fit first: one read more for each doubling
of the postcodes it walks, whatever the rows)."""

import hashlib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert

from backend import clock, crypto
from backend.placements.models import Invitation, PlacementRequest
from backend.reference.postcodes import lookup_postcode
from tests import factories
from tests.statements import count_statements

URL = "/api/v1/placement-requests"
POSTCODES = ("8000", "8400", "8200", "8310", "9000", "2000")


async def _add_requests(db, n: int, *, start: int, campaign_id, school_id, supervisor_id, other):
    # One Fernet token for all (encryption is slow and irrelevant here); distinct hashes.
    encrypted = crypto.encrypt(factories.national_number(1))
    now = clock.now()
    rows, invitations = [], []
    for i in range(start, start + n):
        postcode = POSTCODES[i % len(POSTCODES)]
        info = lookup_postcode(postcode)
        request_id = uuid.uuid4()
        rows.append(
            {
                "id": request_id,
                "campaign_id": campaign_id,
                "school_id": school_id,
                "supervisor_id": supervisor_id,
                "first_name": f"Leerling{i}",
                "last_name": "Janssens",
                "national_number_encrypted": encrypted,
                "national_number_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                "street": f"Kerkstraat {i}",
                "postcode": postcode,
                "city": info.municipalities[0].name_nl,
                "province": info.province,
                "latitude": info.latitude,
                "longitude": info.longitude,
                "phone": "+32470123456",
                "email": f"leerling{i}@example.be",
                "transport_modes": ["bike"] if i % 2 else ["car", "public_transport"],
                "hours_per_week": 24,
                "days": ["mon", "tue"],
                "form": "alternating",
                # Every row invited, so that each page loads the same relations.
                "state": "invited",
                "created_at": now - timedelta(seconds=i),
                "updated_at": now,
            }
        )
        invitations.append(
            {
                "id": uuid.uuid4(),
                "request_id": request_id,
                "service_id": other,
                "invited_at": now,
                "outcome": "pending",
            }
        )
    await db.execute(insert(PlacementRequest), rows)
    await db.execute(insert(Invitation), invitations)
    await db.commit()


QUERIES = {
    "distance": {"max_km": 40, "transport": "bike", "sort": "distance", "page_size": 20},
    "newest": {
        "province": ["BE-VWV", "BE-VOV"],
        "days": "mon",
        "q": "leerling",
        "page": 2,
        "page_size": 5,
    },
    "mine": {"mine": "invited", "page_size": 20},
    "fit": {"sort": "fit", "days": "mon", "page": 2, "page_size": 5},
}


@pytest.mark.parametrize("query", QUERIES)
async def test_browse_statements_do_not_grow_with_the_rows(
    service_client, school_client, db, engine, query
):
    school_id = school_client.account.organisation_id
    campaign = await factories.campaign(db)
    supervisor = await factories.supervisor(db, school_id)
    other = await factories.account(db, "service")
    common = {
        "campaign_id": campaign.id,
        "school_id": school_id,
        "supervisor_id": supervisor.id,
        "other": other.organisation_id,
    }
    params = QUERIES[query]
    if query == "mine":
        common["other"] = service_client.account.organisation_id

    async def statements_of_one_page() -> tuple[int, dict]:
        with count_statements(engine) as statements:
            response = await service_client.get(URL, params=params)
        assert response.status_code == 200, response.text
        return len(statements), response.json()

    await _add_requests(db, 10, start=0, **common)
    few, small = await statements_of_one_page()
    await _add_requests(db, 9_990, start=10, **common)
    many, large = await statements_of_one_page()

    assert large["total"] > small["total"] > 0
    assert len(large["items"]) >= len(small["items"]) > 0
    if query == "fit":
        # Best fit first asks twice as many postcodes each read, nearest first, until its page
        # is certain (lists/browse.py, `_best_first`): its reads grow with the logarithm of
        # the postcodes it walks, not with the rows. Ten candidates are found far apart;
        # ten thousand, 1,667 at the service's own postcode (8400), make the page at once.
        assert many <= few, (few, many)
    else:
        assert many == few, (few, many)

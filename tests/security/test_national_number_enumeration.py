"""Issue 13.1: a school must not learn which national numbers other schools registered.

A number that another school registered in the same campaign is never refused or signalled to
the school (create, PATCH, import and its dry run); only the school's own second request of a
pupil is `409 duplicate_request`. The answer is the same work and the same response as for a
number nobody registered, so neither its content nor its timing tells anything."""

import asyncio
import csv
import io
import re

from sqlalchemy import func, select

from backend.main import create_app
from backend.placements.models import PlacementRequest
from tests import factories
from tests.conftest import make_client
from tests.schools_helpers import REQUESTS, create, ready, url
from tests.statements import count_statements

IMPORT = f"{REQUESTS}/import"


def _shapes(statements: list[str]) -> list[str]:
    """The statements without the savepoints' running numbers."""
    return [re.sub(r"sa_savepoint_\d+", "sa_savepoint", s) for s in statements]


async def _two_schools(db, school_client, other_school_client):
    """A campaign in which the first school registered one pupil; a supervisor for each."""
    setup = await ready(db, school_client.account.organisation_id)
    other = await factories.supervisor(db, other_school_client.account.organisation_id)
    await db.commit()
    number = factories.national_number(501)
    first = await create(school_client, setup.supervisor_id, national_number=number)
    assert first.status_code == 201, first.text
    return setup, other, number


def _import_file(supervisor_email: str, *numbers: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        ["first_name", "last_name", "national_number", "street", "postcode", "city", "phone"]
        + ["email", "transport_modes", "supervisor_email", "hours_per_week", "days", "form"]
    )
    for i, number in enumerate(numbers):
        writer.writerow(
            [f"Leerling{i}", "Peeters", number, "Kerkstraat 1", "9000", "Gent", "0470123456"]
            + [f"l{i}@example.be", "bike", supervisor_email, "24", "mon", "block"]
        )
    return buffer.getvalue().encode()


async def _import(client, data: bytes, *, dry_run: bool):
    return await client.post(
        IMPORT,
        params={"track": "duaal", "dry_run": str(dry_run).lower()},
        files={"file": ("leerlingen.csv", data, "text/csv")},
    )


async def test_create_with_another_schools_number_succeeds_and_own_twice_is_duplicate(
    school_client, other_school_client, db
):
    _, other, number = await _two_schools(db, school_client, other_school_client)
    created = await create(other_school_client, other.id, national_number=number)
    assert created.status_code == 201, created.text
    assert created.json()["national_number"] == number
    again = await create(other_school_client, other.id, national_number=number)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_request"
    assert await db.scalar(select(func.count()).select_from(PlacementRequest)) == 2


async def test_patch_to_another_schools_number_succeeds_and_to_an_own_one_is_duplicate(
    school_client, other_school_client, db
):
    _, other, number = await _two_schools(db, school_client, other_school_client)
    mine = (await create(other_school_client, other.id, n=502)).json()
    changed = await other_school_client.patch(
        url(mine["id"]), json={"national_number": number}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["national_number"] == number
    second = (await create(other_school_client, other.id, n=503)).json()
    clash = await other_school_client.patch(
        url(second["id"]), json={"national_number": number}, headers={"If-Match": '"1"'}
    )
    assert clash.status_code == 409 and clash.json()["code"] == "duplicate_request"


async def test_import_and_its_dry_run_do_not_signal_another_schools_number(
    school_client, other_school_client, db
):
    _, other, number = await _two_schools(db, school_client, other_school_client)
    data = _import_file(other.email, number, factories.national_number(504))
    dry = await _import(other_school_client, data, dry_run=True)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    # Another school's pupil is a new pupil here: the dry run says both would be created.
    assert (report["rows"], report["valid"], report["errors"]) == (2, 2, [])
    assert (report["dry_run"], report["created"], report["refused"]) == (True, 2, 0)
    assert [r["result"] for r in report["results"]] == ["created", "created"]
    real = await _import(other_school_client, data, dry_run=False)
    assert real.status_code == 200, real.text
    assert real.json()["created"] == 2
    # The school's own pupils, once imported, are its duplicates.
    again = (await _import(other_school_client, data, dry_run=True)).json()
    assert [(e["row"], e["code"]) for e in again["errors"]] == [
        (2, "duplicate_request"),
        (3, "duplicate_request"),
    ]


async def test_the_answer_and_its_work_are_the_same_as_for_a_number_nobody_registered(
    school_client, other_school_client, db, engine
):
    """The statements sent for another school's number are the very statements sent for an
    unknown one (so the time taken does not differ by a query or a refusal), and the answers
    differ only in the values the school itself sent."""
    setup, other, number = await _two_schools(db, school_client, other_school_client)
    unknown = factories.national_number(505)

    async def attempt(national_number: str):
        with count_statements(engine) as statements:
            response = await create(other_school_client, other.id, national_number=national_number)
        return response, statements

    taken, taken_statements = await attempt(number)
    fresh, fresh_statements = await attempt(unknown)
    assert taken.status_code == fresh.status_code == 201
    assert _shapes(taken_statements) == _shapes(fresh_statements)
    assert taken.headers.keys() == fresh.headers.keys()
    assert taken.json().keys() == fresh.json().keys()
    varying = {"id", "national_number", "created_at", "updated_at"}
    assert {k: v for k, v in taken.json().items() if k not in varying} == {
        k: v for k, v in fresh.json().items() if k not in varying
    }

    # The first school's pupil, in a file of the second school.
    another = factories.national_number(509)
    assert (await create(school_client, setup.supervisor_id, national_number=another)).is_success
    file_taken = _import_file(other.email, factories.national_number(506), another)
    with count_statements(engine) as import_statements_taken:
        report_taken = (await _import(other_school_client, file_taken, dry_run=True)).json()
    file_fresh = _import_file(
        other.email, factories.national_number(506), factories.national_number(508)
    )
    with count_statements(engine) as import_statements_fresh:
        report_fresh = (await _import(other_school_client, file_fresh, dry_run=True)).json()
    assert _shapes(import_statements_taken) == _shapes(import_statements_fresh)
    assert report_taken == report_fresh
    assert (report_taken["errors"], report_taken["created"], report_taken["refused"]) == ([], 2, 0)


async def test_two_schools_entering_one_pupil_at_the_same_moment_both_succeed(settings, committed):
    """Each on its own connection (a real race on PostgreSQL): the database's uniqueness is
    per school, so another school's simultaneous insert never turns into a refusal."""
    app = create_app(settings, sessionmaker=committed)
    async with committed() as session:
        schools = [await factories.account(session, "school") for _ in range(3)]
        campaign = await factories.campaign(session)
        supervisors = [await factories.supervisor(session, s.organisation_id) for s in schools]
        await session.commit()
    clients = [make_client(app) for _ in schools]
    try:
        for client, school in zip(clients, schools, strict=True):
            token = await factories.login(client, school.email)
            client.headers["Authorization"] = f"Bearer {token}"
        number = factories.national_number(507)
        barrier = asyncio.Barrier(4)

        async def at_once(client, supervisor):
            await barrier.wait()
            return await create(client, supervisor.id, national_number=number)

        # Three schools, and the first school a second time.
        pairs = [*zip(clients, supervisors, strict=True), (clients[0], supervisors[0])]
        responses = await asyncio.gather(*(at_once(c, s) for c, s in pairs))
        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 201, 201, 409], [r.text for r in responses]
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {
            "duplicate_request"
        }
        async with committed() as session:
            schools_of_pupil = await session.scalar(
                select(func.count(func.distinct(PlacementRequest.school_id))).where(
                    PlacementRequest.campaign_id == campaign.id
                )
            )
            assert schools_of_pupil == 3
    finally:
        for client in clients:
            await client.aclose()

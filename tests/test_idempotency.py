"""`Idempotency-Key` on POST: a retry replays the first answer (one creation), the same key
for another request is refused, a key belongs to its caller, and a refused request lets the
key go."""

from datetime import timedelta

from sqlalchemy import func, select, update

from backend import clock
from backend.idempotency.middleware import purge
from backend.idempotency.models import IdempotencyKey
from backend.placements.models import PlacementRequest
from backend.supervisors.models import Supervisor
from tests.schools_helpers import REQUESTS, body, ready
from tests.test_import_export import _csv, _row

SUPERVISORS = "/api/v1/supervisors"
BODY = {"first_name": "Greet", "last_name": "Claes", "phone": "050 12 34 56", "email": "g@s.be"}


async def _count(db, model) -> int:
    return await db.scalar(select(func.count()).select_from(model))


async def test_the_same_key_twice_creates_once_and_answers_the_same(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    key = {"Idempotency-Key": "create-lotte-1"}
    pupil = body(setup.supervisor_id)
    first = await school_client.post(REQUESTS, json=pupil, headers=key)
    assert first.status_code == 201, first.text
    # The retry: the same body, its members in another order.
    again = dict(reversed(list(pupil.items())))
    second = await school_client.post(REQUESTS, json=again, headers=key)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers.get("ETag") == first.headers.get("ETag")
    assert "Idempotent-Replayed" not in first.headers
    assert await _count(db, PlacementRequest) == 1
    # Without the key, the same request is a duplicate, as before.
    third = await school_client.post(REQUESTS, json=pupil)
    assert third.status_code == 409


async def test_the_same_key_with_another_body_is_422(school_client, db):
    key = {"Idempotency-Key": "sup-1"}
    assert (await school_client.post(SUPERVISORS, json=BODY, headers=key)).status_code == 201
    other = await school_client.post(SUPERVISORS, json={**BODY, "last_name": "X"}, headers=key)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    elsewhere = await school_client.post("/api/v1/api-tokens", json={"name": "x"}, headers=key)
    assert elsewhere.json()["code"] == "idempotency_key_reused"
    assert await _count(db, Supervisor) == 1


async def test_a_key_is_its_callers_own(school_client, other_school_client, db):
    key = {"Idempotency-Key": "shared-name"}
    mine = await school_client.post(SUPERVISORS, json=BODY, headers=key)
    theirs = await other_school_client.post(SUPERVISORS, json=BODY, headers=key)
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    # An API token of the same school is another caller too.
    token = (
        await school_client.post("/api/v1/api-tokens", json={"name": "sis", "read_only": False})
    ).json()
    by_token = await school_client.post(
        SUPERVISORS,
        json=BODY,
        headers={**key, "Authorization": f"Bearer {token['token']}"},
    )
    assert by_token.status_code == 201
    assert "Idempotent-Replayed" not in by_token.headers
    assert await _count(db, Supervisor) == 3


async def test_a_refused_request_lets_the_key_go(school_client, db):
    key = {"Idempotency-Key": "fix-and-retry"}
    refused = await school_client.post(SUPERVISORS, json={**BODY, "phone": "1"}, headers=key)
    assert refused.status_code == 422
    fixed = await school_client.post(SUPERVISORS, json=BODY, headers=key)
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers


async def test_a_running_request_holds_its_key_and_a_dead_one_lets_go(school_client, db):
    key = {"Idempotency-Key": "slow"}
    assert (await school_client.post(SUPERVISORS, json=BODY, headers=key)).status_code == 201
    # As if the first request were still running (its answer not stored yet).
    await db.execute(
        update(IdempotencyKey).values(
            status_code=None, locked_until=clock.now() + timedelta(seconds=60)
        )
    )
    await db.commit()
    busy = await school_client.post(SUPERVISORS, json=BODY, headers=key)
    assert busy.status_code == 409
    assert busy.json()["code"] == "idempotency_in_progress"
    assert busy.headers["Retry-After"] == "1"
    # Its process died: once the lease ran out, the key is taken over and the request runs.
    await db.execute(update(IdempotencyKey).values(locked_until=clock.now() - timedelta(seconds=1)))
    await db.commit()
    taken_over = await school_client.post(SUPERVISORS, json=BODY, headers=key)
    assert taken_over.status_code == 201
    assert "Idempotent-Replayed" not in taken_over.headers
    assert await _count(db, Supervisor) == 2


async def test_keys_expire_after_24_hours(school_client, db, settings):
    key = {"Idempotency-Key": "yesterday"}
    first = await school_client.post(SUPERVISORS, json=BODY, headers=key)
    assert first.status_code == 201
    await db.execute(update(IdempotencyKey).values(created_at=clock.now() - timedelta(hours=25)))
    await db.commit()
    # Not purged yet, it counts as unused all the same.
    other = await school_client.post(SUPERVISORS, json={**BODY, "email": "h@s.be"}, headers=key)
    assert other.status_code == 201


async def test_the_worker_purges_expired_keys(school_client, db, settings):
    for n in range(2):
        headers = {"Idempotency-Key": f"k{n}"}
        assert (await school_client.post(SUPERVISORS, json=BODY, headers=headers)).is_success
    await db.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.key == "k0")
        .values(created_at=clock.now() - timedelta(hours=25))
    )
    assert await purge(db, settings) == 1
    assert await _count(db, IdempotencyKey) == 1


async def test_an_invalid_key_is_422(school_client):
    response = await school_client.post(
        SUPERVISORS, json=BODY, headers={"Idempotency-Key": "a" * 256}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_retried_import_is_replayed_whatever_its_boundary(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    data = _csv([_row(i, setup.supervisor.email) for i in range(3)])
    key = {"Idempotency-Key": "import-2026-11-30"}

    async def send(boundary: str):
        return await school_client.post(
            f"{REQUESTS}/import",
            params={"track": "duaal", "dry_run": "false"},
            files={"file": ("pupils.csv", data, "text/csv")},
            headers={**key, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    first = await send("first-boundary")
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 3
    second = await send("another-boundary")
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await _count(db, PlacementRequest) == 3
    # Another file under the same key is another request.
    other = await school_client.post(
        f"{REQUESTS}/import",
        params={"track": "duaal", "dry_run": "false"},
        files={"file": ("pupils.csv", data + b"\n", "text/csv")},
        headers=key,
    )
    assert other.json()["code"] == "idempotency_key_reused"


async def test_every_post_declares_the_header(app):
    from tests.conftest import make_client

    async with make_client(app) as client:
        document = (await client.get("/api/v1/openapi.json")).json()
    for path, operations in document["paths"].items():
        post = operations.get("post")
        if post is None:
            continue
        names = {p["name"] for p in post.get("parameters", [])}
        assert "Idempotency-Key" in names, path
        assert "idempotency_key_reused" in post["responses"]["422"]["x-problem-codes"], path
        assert "idempotency_in_progress" in post["responses"]["409"]["x-problem-codes"], path


async def test_without_a_key_nothing_is_stored(school_client, db):
    assert (await school_client.post(SUPERVISORS, json=BODY)).status_code == 201
    assert await _count(db, IdempotencyKey) == 0

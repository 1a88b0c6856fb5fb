"""Probes: /healthz says the process answers; /readyz says it can serve (database reachable
and migrated to the head revision, the keys fitting the stored data - tests/security - Redis
answering when configured), else 503 problem+json."""

import os

from sqlalchemy import text

from backend.health import migration_heads
from backend.main import create_app
from tests.conftest import make_client
from tests.keys_helpers import NEW_DATA_KEY, OLD_DATA_KEY, keys_fixture  # noqa: F401

# The Redis of the test machine (CI runs one); db 14 is the tests' own.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


async def test_healthz_answers(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_the_database_is_at_the_head_revision(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "data_key": "ok", "blind_index_key": "ok"},
    }
    assert response.headers["cache-control"] == "no-store"


async def test_not_ready_when_a_migration_is_missing(client, db):
    # Inside the test's outer transaction: rolled back afterwards.
    await db.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    await db.commit()
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["checks"] == {"database": "not_migrated"}
    assert response.headers["retry-after"]


async def test_head_revision_comes_from_the_migrations(db):
    assert set(await db.scalars(text("SELECT version_num FROM alembic_version"))) == set(
        migration_heads()
    )


async def test_not_ready_when_the_database_is_unreachable(settings, tmp_path):
    unreachable = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"}
    )
    async with make_client(create_app(unreachable)) as client:
        response = await client.get("/readyz")
        alive = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unavailable"}
    # Alive all the same: restarting the process would not bring the database back.
    assert alive.status_code == 200


async def test_redis_is_checked_when_configured(settings, sessionmaker):
    up = create_app(settings.model_copy(update={"redis_url": TEST_REDIS_URL}), sessionmaker)
    async with make_client(up) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {
        "database": "ok",
        "data_key": "ok",
        "blind_index_key": "ok",
        "redis": "ok",
    }


async def test_not_ready_when_redis_is_down(settings, sessionmaker):
    down = create_app(
        settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), sessionmaker
    )
    async with make_client(down) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable"


async def test_a_new_deployment_with_no_data_takes_the_keys_given(client, keys):
    keys.use(DATA_KEY=OLD_DATA_KEY)
    assert (await client.get("/readyz")).status_code == 200
    # Nothing is encrypted yet: a key changed before the first pupil loses nothing.
    keys.use(DATA_KEY=NEW_DATA_KEY)
    ready_now = await client.get("/readyz")
    assert ready_now.status_code == 200, ready_now.text

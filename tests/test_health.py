"""Probes: /healthz says the process answers; /readyz says it can serve (database reachable
and at a schema this code can serve: its head or a newer release's; the keys fitting the
stored data - tests/security), else 503 problem+json. Redis is reported, not required."""

import asyncio
import os

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from backend.db import alembic_config
from backend.health import migration_heads
from backend.main import create_app
from tests.conftest import IS_POSTGRES, ROOT, TEST_DATABASE_URL, fresh_database, make_client
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


def _previous_revision() -> str:
    (head,) = migration_heads()
    return ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision


async def test_not_ready_when_a_migration_is_missing(client, db):
    # Inside the test's outer transaction: rolled back afterwards.
    await db.execute(
        text("UPDATE alembic_version SET version_num = :older"), {"older": _previous_revision()}
    )
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


async def test_ready_without_redis_which_is_reported(settings, sessionmaker):
    # Without Redis the app works on (limits and live updates stay within the process):
    # taking every replica out of the balancer for it would turn a nuisance into an outage.
    down = create_app(
        settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), sessionmaker
    )
    async with make_client(down) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "data_key": "ok",
            "blind_index_key": "ok",
            "redis": "unavailable",
        },
    }


NEWER_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "next_release_0001"
down_revision = "{head}"


def upgrade():
    op.create_table("next_release_table", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("next_release_table")
"""


def _config(url: str, versions) -> object:
    """Alembic's configuration with a next release's revisions (in `versions`) besides ours."""
    config = alembic_config()
    config.set_main_option(
        "version_locations", os.pathsep.join([str(ROOT / "migrations" / "versions"), str(versions)])
    )
    config.attributes.update({"database_url": url, "skip_logging": True})
    return config


def _migrate_with_a_newer_release(url: str, versions) -> None:
    """Migrates `url` to head, then to a next release's additive revision."""
    fresh_database(url)
    (head,) = migration_heads()
    (versions / "next_release_0001.py").write_text(NEWER_REVISION.format(head=head))
    command.upgrade(_config(url, versions), "next_release_0001")


def _scratch_url(tmp_path) -> str:
    if IS_POSTGRES:
        return f"{TEST_DATABASE_URL}_schema_ahead"
    return f"sqlite:///{tmp_path / 'schema-ahead.db'}"


async def test_ready_on_a_newer_schema_and_not_on_an_older_one(settings, tmp_path):
    """Mid-upgrade, `migrate` has run the next release's (additive) revision while this code
    still serves: it stays ready. A database behind this code's head is not ready."""
    url = _scratch_url(tmp_path)
    versions = tmp_path / "versions"
    versions.mkdir()
    await asyncio.to_thread(_migrate_with_a_newer_release, url, versions)
    app = create_app(settings.model_copy(update={"database_url": url}))
    try:
        async with make_client(app) as client:
            ahead = await client.get("/readyz")
            assert ahead.status_code == 200, ahead.text
            assert ahead.json()["checks"]["database"] == "ok"

            await asyncio.to_thread(command.downgrade, _config(url, versions), _previous_revision())
            behind = await client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["checks"] == {"database": "not_migrated"}
    finally:
        await app.state.sessionmaker.kw["bind"].dispose()


@pytest.mark.parametrize("revisions", [set(), {"0000_unknown", "0001"}])
def test_no_revision_or_a_known_older_one_is_not_migrated(revisions):
    from backend.health import schema_state

    assert schema_state(revisions) == "not_migrated"


async def test_a_new_deployment_with_no_data_takes_the_keys_given(client, keys):
    keys.use(DATA_KEY=OLD_DATA_KEY)
    assert (await client.get("/readyz")).status_code == 200
    # Nothing is encrypted yet: a key changed before the first pupil loses nothing.
    keys.use(DATA_KEY=NEW_DATA_KEY)
    ready_now = await client.get("/readyz")
    assert ready_now.status_code == 200, ready_now.text

"""The duplicate check's hash has its own key, BLIND_INDEX_KEY. Changing it (or upgrading
from hashes keyed by DATA_KEY) keeps duplicates refused: the old key in BLIND_INDEX_OLD_KEY
while `stagematch reindex` rehashes, /readyz 503 `reindex_needed` when neither key fits."""

import hashlib
import hmac
import subprocess

from sqlalchemy import select, update

from backend import crypto
from backend import keys as key_jobs
from backend.placements.models import PlacementRequest
from tests import factories
from tests.conftest import TEST_DATABASE_URL
from tests.keys_helpers import (
    NEW_BLIND_KEY,
    NEW_DATA_KEY,
    OLD_BLIND_KEY,
    OLD_DATA_KEY,
    keys_fixture,  # noqa: F401
)
from tests.live_server import STAGEMATCH, server_env
from tests.schools_helpers import create, ready


async def _reindex(sessionmaker) -> key_jobs.JobReport:
    return await key_jobs.run_job(
        sessionmaker, key_jobs.reindex_batch, key_jobs.finish_reindex, batch_size=2
    )


async def _hashes(db) -> set[str]:
    return set(await db.scalars(select(PlacementRequest.national_number_hash)))


async def _enter(school_client, db, numbers) -> str:
    setup = await ready(db, school_client.account.organisation_id)
    for n in numbers:
        created = await create(school_client, setup.supervisor_id, n=n)
        assert created.status_code == 201, created.text
    return setup.supervisor_id


async def _refused(school_client, supervisor_id, n: int) -> None:
    again = await create(school_client, supervisor_id, n=n)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "duplicate_request"


async def _checks(client) -> dict[str, str]:
    return (await client.get("/readyz")).json()["checks"]


async def test_data_key_rotation_never_changes_the_hashes(school_client, db, sessionmaker, keys):
    keys.use(DATA_KEY=OLD_DATA_KEY, BLIND_INDEX_KEY=OLD_BLIND_KEY)
    await _enter(school_client, db, [501, 502])
    before = await _hashes(db)
    keys.use(DATA_KEY=f"{NEW_DATA_KEY},{OLD_DATA_KEY}")
    await key_jobs.run_job(sessionmaker, key_jobs.rotate_batch, key_jobs.finish_rotation)
    keys.use(DATA_KEY=NEW_DATA_KEY)
    assert await _hashes(db) == before


async def test_a_new_blind_index_key_with_the_old_one_keeps_duplicates_during_reindex(
    school_client, db, sessionmaker, keys
):
    keys.use(BLIND_INDEX_KEY=OLD_BLIND_KEY)
    supervisor_id = await _enter(school_client, db, [511, 512, 513])
    assert await _checks(school_client) == {
        "database": "ok",
        "data_key": "ok",
        "blind_index_key": "ok",
    }

    keys.use(BLIND_INDEX_KEY=NEW_BLIND_KEY, BLIND_INDEX_OLD_KEY=OLD_BLIND_KEY)
    assert (await _checks(school_client))["blind_index_key"] == "ok"
    await _refused(school_client, supervisor_id, 511)  # found under the old key
    created = await create(school_client, supervisor_id, n=514)  # hashed under the new key
    assert created.status_code == 201, created.text
    report = await _reindex(sessionmaker)
    assert (report.examined, report.changed, report.complete) == (4, 3, True)
    assert (await _reindex(sessionmaker)).changed == 0  # rerun: nothing left

    keys.use(BLIND_INDEX_OLD_KEY=None)
    assert (await _checks(school_client))["blind_index_key"] == "ok"
    for n in (511, 512, 513, 514):
        await _refused(school_client, supervisor_id, n)


async def test_a_new_blind_index_key_alone_is_not_ready_until_reindexed(
    school_client, db, sessionmaker, keys
):
    keys.use(BLIND_INDEX_KEY=OLD_BLIND_KEY)
    supervisor_id = await _enter(school_client, db, [521])
    assert (await school_client.get("/readyz")).status_code == 200

    keys.use(BLIND_INDEX_KEY=NEW_BLIND_KEY)
    not_ready = await school_client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["blind_index_key"] == "reindex_needed"

    assert (await _reindex(sessionmaker)).complete
    assert (await school_client.get("/readyz")).status_code == 200
    await _refused(school_client, supervisor_id, 521)


def _legacy_hash(data_key: str, number: str) -> str:
    """The hash before BLIND_INDEX_KEY: keyed from the last key of DATA_KEY."""
    key = hashlib.sha256(b"national-number:" + data_key.split(",")[-1].encode()).digest()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


async def test_an_upgraded_deployment_keeps_its_duplicates(school_client, db, sessionmaker, keys):
    # Hashes written by the version before BLIND_INDEX_KEY, and no key check recorded yet.
    keys.use(DATA_KEY=OLD_DATA_KEY)
    supervisor_id = await _enter(school_client, db, [531, 532])
    for n in (531, 532):
        number = factories.national_number(n)
        await db.execute(
            update(PlacementRequest)
            .where(PlacementRequest.national_number_hash == crypto.blind_index(number))
            .values(national_number_hash=_legacy_hash(OLD_DATA_KEY, number))
        )
    await db.commit()

    # The upgrade as documented: a key of its own, the old derivation's key as the old one.
    keys.use(BLIND_INDEX_KEY=NEW_BLIND_KEY, BLIND_INDEX_OLD_KEY=OLD_DATA_KEY)
    assert (await _checks(school_client))["blind_index_key"] == "ok"
    await _refused(school_client, supervisor_id, 531)
    assert (await _reindex(sessionmaker)).complete
    keys.use(BLIND_INDEX_OLD_KEY=None)
    assert (await school_client.get("/readyz")).status_code == 200
    await _refused(school_client, supervisor_id, 532)


async def test_an_upgrade_without_the_old_key_is_not_ready(school_client, db, keys):
    keys.use(DATA_KEY=OLD_DATA_KEY)
    await _enter(school_client, db, [541])
    number = factories.national_number(541)
    await db.execute(
        update(PlacementRequest).values(national_number_hash=_legacy_hash(OLD_DATA_KEY, number))
    )
    await db.commit()
    keys.use(BLIND_INDEX_KEY=NEW_BLIND_KEY)
    assert (await _checks(school_client))["blind_index_key"] == "reindex_needed"


async def test_reindex_command_line(committed, keys):
    keys.use(BLIND_INDEX_KEY=OLD_BLIND_KEY)
    async with committed() as session:
        school = await factories.account(session, "school")
        campaign = await factories.campaign(session)
        supervisor = await factories.supervisor(session, school.organisation_id)
        request = await factories.placement_request(
            session,
            campaign_id=campaign.id,
            school_id=school.organisation_id,
            supervisor_id=supervisor.id,
        )
        await session.commit()
    env = server_env(TEST_DATABASE_URL, BLIND_INDEX_KEY=NEW_BLIND_KEY)
    done = subprocess.run(  # noqa: S603 (our own command)
        [STAGEMATCH, "reindex", "--batch-size", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reindex: done" in done.stdout
    keys.use(BLIND_INDEX_KEY=NEW_BLIND_KEY)
    async with committed() as session:
        stored = await session.get(PlacementRequest, request.id)
        number = crypto.decrypt(stored.national_number_encrypted)
        assert stored.national_number_hash == crypto.blind_index(number)

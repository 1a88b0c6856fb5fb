"""DATA_KEY rotation as docs/OPERATIONS.md says, end to end: requests entered under the old
key; DATA_KEY="new,old"; `stagematch rotate-keys`; DATA_KEY="new". The lists keep working and
the same pupil is still refused (409), whichever order the keys were listed in meanwhile.
The job is resumable and never overwrites an edit made while it runs."""

import subprocess

import pytest
from sqlalchemy import select

from backend import crypto
from backend import keys as key_jobs
from backend.main import create_app
from backend.placements.models import PlacementRequest
from tests import factories
from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL, _role_client
from tests.keys_helpers import (
    NEW_DATA_KEY,
    OLD_BLIND_KEY,
    OLD_DATA_KEY,
    keys_fixture,  # noqa: F401
)
from tests.live_server import STAGEMATCH, server_env
from tests.schools_helpers import REQUESTS, create, ready, url

ROTATING = f"{NEW_DATA_KEY},{OLD_DATA_KEY}"


def rotate_keys(*args: str) -> str:
    """`stagematch rotate-keys` in its own process, with DATA_KEY="new,old"."""
    env = server_env(TEST_DATABASE_URL, DATA_KEY=ROTATING, BLIND_INDEX_KEY=OLD_BLIND_KEY)
    done = subprocess.run(  # noqa: S603 (our own command)
        [STAGEMATCH, "rotate-keys", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def _stored(sessionmaker) -> dict[str, str]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(PlacementRequest.id, PlacementRequest.national_number_encrypted)
        )
        return {str(r.id): r.national_number_encrypted for r in rows}


async def test_rotation_as_documented_keeps_lists_and_duplicates(settings, committed, keys):
    keys.use(DATA_KEY=OLD_DATA_KEY, BLIND_INDEX_KEY=OLD_BLIND_KEY)
    app = create_app(keys.settings, sessionmaker=committed)
    school = await _role_client(app, committed, "school")
    try:
        async with committed() as session:
            setup = await ready(session, school.account.organisation_id)
        numbers = {}
        for n in (401, 402, 403):
            created = await create(school, setup.supervisor_id, n=n)
            assert created.status_code == 201, created.text
            numbers[created.json()["id"]] = factories.national_number(n)
        assert (await school.get("/readyz")).status_code == 200

        # 1. Every process restarted with the new key first.
        keys.use(DATA_KEY=ROTATING)
        created = await create(school, setup.supervisor_id, n=404)
        assert created.status_code == 201, created.text
        numbers[created.json()["id"]] = factories.national_number(404)
        duplicate = await create(school, setup.supervisor_id, n=401)
        assert duplicate.status_code == 409, duplicate.text

        # 2. The job, in batches; run again, it finds nothing left to do.
        before = await _stored(committed)
        assert "done" in rotate_keys("--batch-size", "2")
        after = await _stored(committed)
        assert sum(before[i] != after[i] for i in before) == 3  # the fourth was new already
        assert "0 changed" in rotate_keys()
        assert await _stored(committed) == after

        # 3. The old key removed.
        keys.use(DATA_KEY=NEW_DATA_KEY)
        readiness = await school.get("/readyz")
        assert readiness.status_code == 200, readiness.text
        listing = await school.get(REQUESTS)
        assert listing.status_code == 200, listing.text
        shown = {item["id"]: item["national_number"] for item in listing.json()["items"]}
        assert shown == numbers
        for n in (401, 404):
            duplicate = await create(school, setup.supervisor_id, n=n)
            assert duplicate.status_code == 409, duplicate.text
            assert duplicate.json()["code"] == "duplicate_request"
    finally:
        await school.aclose()


@pytest.mark.parametrize("order", ["new,old", "old,new", "new"])
async def test_the_order_of_data_keys_does_not_change_duplicates(school_client, db, keys, order):
    keys.use(DATA_KEY=OLD_DATA_KEY)
    setup = await ready(db, school_client.account.organisation_id)
    assert (await create(school_client, setup.supervisor_id, n=411)).status_code == 201
    listed = {"new": NEW_DATA_KEY, "old": OLD_DATA_KEY}
    keys.use(DATA_KEY=",".join(listed[name] for name in order.split(",")))
    again = await create(school_client, setup.supervisor_id, n=411)
    assert again.status_code == 409, again.text


async def test_an_interrupted_rotation_resumes_and_only_a_full_pass_moves_the_check(
    school_client, db, sessionmaker, keys
):
    keys.use(DATA_KEY=OLD_DATA_KEY)
    setup = await ready(db, school_client.account.organisation_id)
    for n in range(421, 426):
        assert (await create(school_client, setup.supervisor_id, n=n)).status_code == 201
    assert (await school_client.get("/readyz")).status_code == 200
    keys.use(DATA_KEY=ROTATING)

    class Interrupted(Exception):
        pass

    batches = 0

    async def one_batch_then_stop(session, after, size):
        nonlocal batches
        if batches == 1:
            raise Interrupted
        batches += 1
        return await key_jobs.rotate_batch(session, after, size)

    with pytest.raises(Interrupted):
        await key_jobs.run_job(sessionmaker, one_batch_then_stop, key_jobs.finish_rotation, 2)
    tokens = await _stored(sessionmaker)
    assert sum(crypto.is_under_newest_key(t) for t in tokens.values()) == 2
    # Not finished: the old key is still needed, and /readyz says so once it is gone.
    keys.use(DATA_KEY=NEW_DATA_KEY)
    assert (await school_client.get("/readyz")).json()["checks"]["data_key"] == "cannot_decrypt"

    keys.use(DATA_KEY=ROTATING)
    report = await key_jobs.run_job(
        sessionmaker, key_jobs.rotate_batch, key_jobs.finish_rotation, 2
    )
    assert (report.examined, report.changed, report.complete) == (5, 3, True)
    keys.use(DATA_KEY=NEW_DATA_KEY)
    readiness = await school_client.get("/readyz")
    assert readiness.status_code == 200, readiness.text
    assert (await school_client.get(REQUESTS)).status_code == 200


@pytest.mark.postgres_only
@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite serializes writers: no edit lands mid-batch")
async def test_the_rotation_never_overwrites_an_edit_made_meanwhile(settings, committed, keys):
    keys.use(DATA_KEY=OLD_DATA_KEY)
    app = create_app(keys.settings, sessionmaker=committed)
    school = await _role_client(app, committed, "school")
    try:
        async with committed() as session:
            setup = await ready(session, school.account.organisation_id)
        created = (await create(school, setup.supervisor_id, n=431)).json()
        keys.use(DATA_KEY=ROTATING)
        edited = factories.national_number(432)

        class EditBeforeTheJobWrites:
            """The job's session: it has read the old ciphertext when the school's edit
            commits on a connection of its own; then the job writes."""

            def __init__(self, session) -> None:
                self.session = session

            def __getattr__(self, name):
                return getattr(self.session, name)

            async def execute(self, statement, *args, **kwargs):
                if statement.is_dml:
                    response = await school.patch(
                        url(created["id"]),
                        json={"national_number": edited},
                        headers={"If-Match": '"1"'},
                    )
                    assert response.status_code == 200, response.text
                return await self.session.execute(statement, *args, **kwargs)

        async def batch(session, after, size):
            return await key_jobs.rotate_batch(EditBeforeTheJobWrites(session), after, size)

        report = await key_jobs.run_job(committed, batch, key_jobs.finish_rotation, 10)
        assert (report.changed, report.complete) == (0, True)
        keys.use(DATA_KEY=NEW_DATA_KEY)
        shown = await school.get(url(created["id"]))
        assert shown.json()["national_number"] == edited
    finally:
        await school.aclose()


async def test_rotation_moves_the_sealed_links_of_waiting_mails(
    admin_client, client, smtp, smtp_settings, sessionmaker, keys
):
    """An invitation waiting in the outbox (SMTP down, say) while the keys rotate still goes
    out, with a working link, after the old key is removed."""
    from backend.mail.worker import deliver_due
    from tests.factories import token_from_mail

    keys.use(DATA_KEY=OLD_DATA_KEY)
    school = {"kind": "school", "name": "KTA Ieper", "email": "kta@example.be", "postcode": "8900"}
    assert (await admin_client.post("/api/v1/organisations", json=school)).status_code == 201

    keys.use(DATA_KEY=ROTATING)
    await key_jobs.run_job(sessionmaker, key_jobs.rotate_batch, key_jobs.finish_rotation)
    keys.use(DATA_KEY=NEW_DATA_KEY)

    assert await deliver_due(sessionmaker, smtp_settings) == 1
    [message] = smtp.catcher.to("kta@example.be")
    activated = await client.post(
        "/api/v1/auth/activate",
        json={"token": token_from_mail(message), "password": "Zonnebloem-Tafel-Rivier-42"},
    )
    assert activated.status_code == 200, activated.text


async def test_rotation_moves_the_second_factors_of_users(
    school_client, client, sessionmaker, keys
):
    """A TOTP key enrolled under the old key still checks codes after the rotation and the old
    key's removal: nobody is locked out of two-step sign-in."""
    from backend.auth.models import User
    from tests.mfa_helpers import enrol, login

    keys.use(DATA_KEY=OLD_DATA_KEY)
    secret = await enrol(school_client)

    keys.use(DATA_KEY=ROTATING)
    await key_jobs.run_job(sessionmaker, key_jobs.rotate_batch, key_jobs.finish_rotation)
    keys.use(DATA_KEY=NEW_DATA_KEY)

    async with sessionmaker() as session:
        sealed = await session.scalar(
            select(User.mfa_secret_encrypted).where(User.id == school_client.account.user_id)
        )
    assert crypto.is_under_newest_key(sealed)
    signed_in = await login(client, school_client.account.email, secret)
    assert signed_in.status_code == 200, signed_in.text

"""A deployment started with a wrong DATA_KEY, or with the old key removed before its data
was rotated, must say so on /readyz (503, `data_key: cannot_decrypt`) and answer the lists
with a clear problem+json, not pass readiness and then answer every list with a 500."""

from cryptography.fernet import Fernet

from tests.keys_helpers import NEW_DATA_KEY, OLD_DATA_KEY, keys_fixture  # noqa: F401
from tests.schools_helpers import REQUESTS, create, ready, url


async def _entered(school_client, db, n: int) -> str:
    setup = await ready(db, school_client.account.organisation_id)
    created = await create(school_client, setup.supervisor_id, n=n)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _refused_by_the_key(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "data_key_mismatch"


async def test_a_wrong_data_key_is_not_ready_and_no_list_answers_500(school_client, db, keys):
    keys.use(DATA_KEY=OLD_DATA_KEY)
    request_id = await _entered(school_client, db, 301)
    ready_now = await school_client.get("/readyz")
    assert ready_now.status_code == 200, ready_now.text
    assert ready_now.json()["checks"]["data_key"] == "ok"

    keys.use(DATA_KEY=Fernet.generate_key().decode())  # restarted with another key
    not_ready = await school_client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["data_key"] == "cannot_decrypt"
    assert "data_key: cannot_decrypt" in not_ready.json()["detail"]
    _refused_by_the_key(await school_client.get(REQUESTS))
    _refused_by_the_key(await school_client.get(url(request_id)))


async def test_a_wrong_data_key_is_seen_before_any_check_was_recorded(school_client, db, keys):
    # An upgraded deployment: its numbers exist, the key check does not yet.
    keys.use(DATA_KEY=OLD_DATA_KEY)
    await _entered(school_client, db, 302)
    keys.use(DATA_KEY=NEW_DATA_KEY)
    not_ready = await school_client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["data_key"] == "cannot_decrypt"


async def test_removing_the_old_key_before_rotating_is_not_ready(school_client, db, keys):
    keys.use(DATA_KEY=OLD_DATA_KEY)
    await _entered(school_client, db, 303)
    assert (await school_client.get("/readyz")).status_code == 200

    keys.use(DATA_KEY=f"{NEW_DATA_KEY},{OLD_DATA_KEY}")  # step 1 of the rotation
    assert (await school_client.get("/readyz")).status_code == 200
    assert (await school_client.get(REQUESTS)).status_code == 200

    keys.use(DATA_KEY=NEW_DATA_KEY)  # step 3 without step 2 (rotate-keys)
    not_ready = await school_client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["data_key"] == "cannot_decrypt"
    _refused_by_the_key(await school_client.get(REQUESTS))

"""National numbers erased by the retention purge must not live on in a process's cache of
decrypted numbers: the purge empties it, and a server (which the `stagematch purge` process
cannot reach) forgets every decrypted number within crypto.DECRYPT_CACHE_SECONDS."""

from datetime import timedelta

from backend import clock, crypto
from backend.admin.retention import parse_age, purge
from tests import factories
from tests.schools_helpers import url


async def _owned_request(db, school_id):
    campaign = await factories.campaign(db, phase="closed")
    supervisor = await factories.supervisor(db, school_id)
    request = await factories.placement_request(
        db, campaign_id=campaign.id, school_id=school_id, supervisor_id=supervisor.id
    )
    await db.commit()
    return campaign, request


def _cached() -> int:
    return crypto._decrypt_cached.cache_info().currsize


async def test_purge_empties_the_cache_of_decrypted_numbers(school_client, db):
    campaign, request = await _owned_request(db, school_client.account.organisation_id)
    shown = await school_client.get(url(request.id))
    assert shown.status_code == 200, shown.text
    assert shown.json()["national_number"]
    assert _cached() >= 1

    clock.freeze(campaign.decision_deadline + timedelta(days=19 * 31))
    report = await purge(db, parse_age("18mo"))
    await db.commit()
    assert report.requests == 1
    assert _cached() == 0


async def test_a_server_forgets_decrypted_numbers_after_a_while(school_client, db, monkeypatch):
    _, request = await _owned_request(db, school_client.account.organisation_id)
    assert (await school_client.get(url(request.id))).status_code == 200
    assert _cached() >= 1
    later = crypto._monotonic() + crypto.DECRYPT_CACHE_SECONDS + 1
    monkeypatch.setattr(crypto, "_monotonic", lambda: later)
    crypto.decrypt(crypto.encrypt(factories.national_number()))
    assert _cached() == 1

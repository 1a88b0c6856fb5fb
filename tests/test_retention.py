"""Purging old campaigns erases every pupil's personal data and keeps the counts."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import String, Text, select

from backend import clock
from backend.admin.retention import parse_age, purge
from backend.mail.service import enqueue
from backend.models import Base
from backend.placements.models import RequestEvent
from tests import factories
from tests.test_admin import _campaign_with_requests


def test_parse_age():
    assert parse_age("18mo") == timedelta(days=18 * 30.44)
    assert parse_age("2y") == timedelta(days=730.5)
    with pytest.raises(ValueError):
        parse_age("18 months")


def _contains(text: str, value: str) -> bool:
    return re.search(rf"(?<![\w+]){re.escape(value)}(?!\w)", text) is not None


async def _all_text(db) -> str:
    """Every text value in every table, as one string to search."""
    chunks = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        json_columns = [c for c in table.columns if c.type.__class__.__name__ == "JSON"]
        if not columns and not json_columns:
            continue
        for row in (await db.execute(select(*columns, *json_columns))).all():
            chunks.extend(str(v) for v in row if v is not None)
    return "\n".join(chunks)


async def test_purge_erases_personal_data_of_old_campaigns_and_keeps_counts(
    admin_client, service_client, db
):
    from backend import crypto

    old, requests = await _campaign_with_requests(db, service_client.account.organisation_id)
    for request in requests:
        db.add(
            RequestEvent(
                request_id=request.id,
                at=clock.now(),
                kind="created",
                details={"name": request.first_name},
            )
        )
        enqueue(
            db,
            "school@example.be",
            "password_reset",
            "nl",
            link=f"https://x/?token={request.last_name}",
            valid_minutes=60,
        )
    await db.commit()
    personal = [
        v
        for r in requests
        for v in (
            r.first_name,
            r.street,
            r.phone,
            r.email,
            crypto.decrypt(r.national_number_encrypted),
        )
    ]
    text = await _all_text(db)
    # Everything but the national number (encrypted at rest) is there in clear before.
    assert all(_contains(text, v) for i, v in enumerate(personal) if i % 5 != 4)

    clock.freeze(old.decision_deadline + timedelta(days=19 * 31))
    # A campaign closed recently is left alone.
    school = await factories.account(db, "school")
    supervisor = await factories.supervisor(db, school.organisation_id)
    recent = await factories.campaign(db, phase="closed")
    kept = await factories.placement_request(
        db,
        campaign_id=recent.id,
        school_id=school.organisation_id,
        supervisor_id=supervisor.id,
        phone="+3250999999",
    )
    await db.commit()

    token = await factories.login(admin_client, admin_client.account.email)
    admin_client.headers["Authorization"] = f"Bearer {token}"
    before = (
        await admin_client.get("/api/v1/admin/dashboard", params={"campaign_id": str(old.id)})
    ).json()
    report = await purge(db, parse_age("18mo"))
    await db.commit()
    assert report.requests == 5

    text = await _all_text(db)
    for value in personal:
        assert not _contains(text, value), value
    assert _contains(text, kept.first_name)
    from backend.placements.models import PlacementRequest

    encrypted = (
        await db.scalars(
            select(PlacementRequest.national_number_encrypted).where(
                PlacementRequest.campaign_id == old.id
            )
        )
    ).all()
    assert encrypted == [""] * 5
    after = (
        await admin_client.get("/api/v1/admin/dashboard", params={"campaign_id": str(old.id)})
    ).json()
    for key in ("total", "by_status", "by_province", "placement_rate", "acceptances_per_day"):
        assert after[key] == before[key], key


def test_purge_command_line(tmp_path):
    from tests.live_server import run_cli, server_env

    url = f"sqlite:///{tmp_path / 'purge.db'}"
    env = server_env(url)
    run_cli(env, "migrate")
    run_cli(env, "purge", "--older-than", "18mo")
    run_cli(env, "purge")  # what is due by RETENTION_MONTHS (after a restore, say)
    import subprocess

    from tests.live_server import STAGEMATCH

    bad = subprocess.run(
        [STAGEMATCH, "purge", "--older-than", "soon"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "18mo" in bad.stderr

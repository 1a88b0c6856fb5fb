"""`GET /metrics`: Prometheus' text format, per process, for a scraper only. Requests by route
template and status, the database pool, the mail outbox, event streams, the worker's heartbeat."""

import asyncio
import time
import uuid
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend import clock, metrics
from backend.mail import worker
from backend.mail.models import OutboxMail
from backend.main import create_app
from tests.conftest import make_client
from tests.services_helpers import streaming_client


def _families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def _value(families: dict, family: str, sample: str, **labels: str) -> float:
    """The value of `sample` whose labels include `labels`; 0 when there is none yet."""
    for s in families.get(family, ()).samples if family in families else ():
        if s.name == sample and labels.items() <= s.labels.items():
            return s.value
    return 0.0


async def _scrape(client, **headers: str) -> dict:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return _families(response.text)


async def test_a_request_is_counted_by_route_template_and_status(school_client):
    route = "/api/v1/placement-requests/{request_id}"
    before = await _scrape(school_client)
    missing = uuid.uuid4()
    response = await school_client.get(f"/api/v1/placement-requests/{missing}")
    assert response.status_code == 404
    after = await _scrape(school_client)

    labels = {"method": "GET", "route": route, "status": "404"}
    counted = "stagematch_http_requests_total"
    assert _value(after, "stagematch_http_requests", counted, **labels) == (
        _value(before, "stagematch_http_requests", counted, **labels) + 1
    )
    timed = "stagematch_http_request_duration_seconds_count"
    assert _value(after, "stagematch_http_request_duration_seconds", timed, **labels) == (
        _value(before, "stagematch_http_request_duration_seconds", timed, **labels) + 1
    )
    # The template, never the raw path (one series per id would grow without end).
    text = (await school_client.get("/metrics")).text
    assert str(missing) not in text


async def test_outbox_backlog_and_the_age_of_its_oldest_mail(client, db):
    long_ago = clock.now() - timedelta(minutes=10)
    for sent_at in (None, None, clock.now()):
        db.add(
            OutboxMail(
                to_address="a@example.be",
                template="test",
                language="nl",
                subject="s",
                body_text="t",
                body_html="<p>t</p>",
                created_at=long_ago,
                next_attempt_at=long_ago,
                sent_at=sent_at,
            )
        )
    await db.commit()
    families = await _scrape(client)
    mails = "stagematch_mail_outbox_mails"
    assert _value(families, mails, mails, state="waiting") == 2
    assert _value(families, mails, mails, state="sent") == 1
    assert _value(families, mails, mails, state="failed") == 0
    age = "stagematch_mail_outbox_oldest_waiting_age_seconds"
    assert 600 <= _value(families, age, age) < 700


async def test_database_pool_figures(settings):
    app = create_app(settings)  # its own engine and pool, as served
    try:
        async with make_client(app) as client:
            assert (await client.get("/readyz")).status_code == 200
            families = await _scrape(client)
        assert _value(families, "stagematch_db_pool_size", "stagematch_db_pool_size") >= 1
        # The scrape's own connection is back in the pool when the figures are rendered.
        in_use = "stagematch_db_pool_checked_out"
        assert _value(families, in_use, in_use) == 0
    finally:
        await app.state.sessionmaker.kw["bind"].dispose()


async def test_open_event_streams_are_counted(app, school_client):
    token = school_client.headers["Authorization"].removeprefix("Bearer ")
    streams = "stagematch_event_streams"
    async with (
        streaming_client(app, token) as listener,
        listener.stream("GET", "/api/v1/events") as response,
    ):
        lines = response.aiter_lines()
        async with asyncio.timeout(5):
            async for line in lines:
                if line == ": connected":
                    break
        assert _value(await _scrape(school_client), streams, streams) == 1


async def test_the_mail_workers_heartbeat(settings, committed):
    heartbeat = "stagematch_mail_worker_last_success_timestamp_seconds"
    metrics._mail_worker.last_success = None
    # Real sessions: the worker's mail and webhook loops run side by side, each on its own
    # connection, as in production.
    async with make_client(create_app(settings, committed)) as client:
        # Absent while no worker ran in this process: an alert on its age concerns only the
        # processes that deliver mail.
        assert heartbeat not in await _scrape(client)
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(committed, settings, stop))
        try:
            async with asyncio.timeout(10):
                while metrics._mail_worker.last_success is None:
                    await asyncio.sleep(0.02)
        finally:
            stop.set()
            await running
        assert time.time() - _value(await _scrape(client), heartbeat, heartbeat) < 10


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
async def test_not_served_through_a_proxy(client, header):
    # A proxy adds one of these: what comes through it is the public internet.
    response = await client.get("/metrics", headers={header: "203.0.113.9"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_metrics_token_is_required_when_set(settings, sessionmaker):
    app = create_app(settings.model_copy(update={"metrics_token": "scrape-secret"}), sessionmaker)
    async with make_client(app) as client:
        assert (await client.get("/metrics")).status_code == 404
        wrong = {"Authorization": "Bearer guessed"}
        assert (await client.get("/metrics", headers=wrong)).status_code == 404
        right = {"Authorization": "Bearer scrape-secret", "X-Forwarded-For": "203.0.113.9"}
        assert "stagematch_http_requests" in await _scrape(client, **right)

"""Webhooks: an organisation registers an endpoint and the kinds it wants; the worker fans the
kept events out (only what the organisation may read, no personal data) and delivers them
signed to a real local HTTP receiver, retried with backoff while it is down, never twice when
two workers run, switched off after repeated failure and on again through the API."""

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.mail.models import OutboxMail
from backend.main import create_app
from backend.webhooks import delivery
from backend.webhooks.models import WebhookEndpoint
from tests.conftest import _role_client, free_port
from tests.schools_helpers import REQUESTS, body, ready

WEBHOOKS = "/api/v1/webhooks"


# The receiver's check, as docs/integrations.md shows it.
def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class Receiver:
    """A small HTTP server on 127.0.0.1 that records every POST and answers `status`."""

    port: int = field(default_factory=free_port)
    status: int = 200
    delay: float = 0.0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    connections: int = 0  # counted as they open, before `delay`
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/stagematch"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            content = await reader.readexactly(int(headers.get("content-length", "0")))
            if self.delay:
                await asyncio.sleep(self.delay)
            self.received.append((headers, content))
            reason = {200: "OK", 302: "Found", 500: "Internal Server Error"}.get(self.status, "X")
            extra = "Location: http://127.0.0.1:1/elsewhere\r\n" if self.status == 302 else ""
            writer.write(
                f"HTTP/1.1 {self.status} {reason}\r\n{extra}Content-Length: 0\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            await writer.drain()
        finally:
            writer.close()

    def events(self) -> list[dict]:
        return [json.loads(content) for _, content in self.received]


@pytest.fixture
async def receiver():
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def hooks_app(settings, committed):
    # Real commits: the worker and the API are separate transactions, as in production.
    return create_app(settings, sessionmaker=committed)


@pytest.fixture
async def school(hooks_app, committed):
    client = await _role_client(hooks_app, committed, "school")
    yield client
    await client.aclose()


async def _register(client, url: str, kinds: list[str]) -> dict:
    response = await client.post(WEBHOOKS, json={"url": url, "event_kinds": kinds})
    assert response.status_code == 201, response.text
    return response.json()


async def _create_request(client, committed) -> str:
    async with committed() as db:
        setup = await ready(db, client.account.organisation_id)
    response = await client.post(REQUESTS, json=body(setup.supervisor_id))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _log(client, webhook_id: str) -> list[dict]:
    response = await client.get(f"{WEBHOOKS}/{webhook_id}/deliveries")
    assert response.status_code == 200
    return response.json()["items"]


async def test_a_signed_event_reaches_the_receiver_and_the_log(
    hooks_app, committed, settings, school, receiver
):
    hook = await _register(school, receiver.url, ["created", "accepted"])
    assert hook["secret"].startswith("whsec_")
    # The secret is shown once: never in a read, and sealed at rest.
    assert "secret" not in (await school.get(f"{WEBHOOKS}/{hook['id']}")).json()
    async with committed() as db:
        stored = await db.get(WebhookEndpoint, uuid.UUID(hook["id"]))
        assert hook["secret"] not in stored.secret_encrypted
    other_school = await _role_client(hooks_app, committed, "school", postcode="9000")
    service = await _role_client(hooks_app, committed, "service", postcode="8400")
    try:
        others = await _register(other_school, receiver.url, ["created"])
        services = await _register(service, receiver.url, ["created"])
        request_id = await _create_request(school, committed)

        await delivery.run_pass(committed, settings)

        by_secret = {}
        for headers, content in receiver.received:
            for hook_ in (hook, others, services):
                if verify(hook_["secret"], headers["stagematch-signature"], content):
                    by_secret.setdefault(hook_["id"], []).append(json.loads(content))
        # The school and every service (the request is in their list) hear it; another
        # school does not; each delivery verifies with its own endpoint's secret.
        assert len(receiver.received) == 2
        assert sorted(by_secret) == sorted([hook["id"], services["id"]])
        event = by_secret[hook["id"]][0]
        assert event["kind"] == "created" and event["request_id"] == request_id
        assert set(event) == {"id", "kind", "request_id", "occurred_at"}
        assert by_secret[services["id"]][0]["available"] is True
        headers, content = receiver.received[0]
        assert headers["content-type"] == "application/json"
        assert headers["stagematch-event-id"] == str(json.loads(content)["id"])
        assert not verify("whsec_wrong", headers["stagematch-signature"], content)

        (logged,) = await _log(school, hook["id"])
        assert logged["state"] == "delivered"
        assert logged["attempts"] == 1 and logged["last_status_code"] == 200
        assert logged["kind"] == "created"
        # Another organisation's endpoint is not found.
        assert (await other_school.get(f"{WEBHOOKS}/{hook['id']}/deliveries")).status_code == 404
    finally:
        await other_school.aclose()
        await service.aclose()


async def test_an_event_arrives_after_the_receiver_was_down(committed, settings, school, receiver):
    hook = await _register(school, receiver.url, ["created"])
    await receiver.stop()
    await _create_request(school, committed)

    await delivery.run_pass(committed, settings)
    (logged,) = await _log(school, hook["id"])
    assert logged["state"] == "pending" and logged["attempts"] == 1
    assert logged["last_status_code"] is None and logged["last_error"]

    clock.shift(timedelta(seconds=61))  # the first retry, after a minute
    await delivery.run_pass(committed, settings)
    assert (await _log(school, hook["id"]))[0]["attempts"] == 2

    await receiver.start()
    await delivery.run_pass(committed, settings)
    assert receiver.received == []  # not due yet: the second retry waits five minutes
    clock.shift(timedelta(minutes=5, seconds=1))
    await delivery.run_pass(committed, settings)
    await delivery.run_pass(committed, settings)
    assert [e["kind"] for e in receiver.events()] == ["created"]
    (logged,) = await _log(school, hook["id"])
    assert logged["state"] == "delivered" and logged["attempts"] == 3


async def test_two_workers_deliver_each_event_once(committed, settings, school, receiver):
    await _register(school, receiver.url, ["created", "updated"])
    async with committed() as db:
        setup = await ready(db, school.account.organisation_id)
    for n in range(8):
        response = await school.post(REQUESTS, json=body(setup.supervisor_id, n=100 + n))
        assert response.status_code == 201, response.text
    receiver.delay = 0.02  # the workers' sends overlap

    await asyncio.gather(
        delivery.run_pass(committed, settings), delivery.run_pass(committed, settings)
    )
    await delivery.run_pass(committed, settings)

    ids = [event["id"] for event in receiver.events()]
    assert len(ids) == 8
    assert len(set(ids)) == 8


async def test_repeated_failure_switches_the_endpoint_off_until_it_is_switched_on(
    committed, settings, school, receiver
):
    settings = settings.model_copy(update={"webhook_failures_before_disable": 2})
    receiver.status = 500
    hook = await _register(school, receiver.url, ["created"])
    await _create_request(school, committed)
    await delivery.run_pass(committed, settings)
    clock.shift(timedelta(seconds=61))
    await delivery.run_pass(committed, settings)

    read = (await school.get(f"{WEBHOOKS}/{hook['id']}")).json()
    assert read["is_enabled"] is False
    assert read["consecutive_failures"] == 2
    assert "answered 500" in read["disabled_reason"]
    (logged,) = await _log(school, hook["id"])
    assert logged["state"] == "failed" and logged["last_status_code"] == 500
    async with committed() as db:
        mails = (
            await db.scalars(select(OutboxMail).where(OutboxMail.template == "webhook_disabled"))
        ).all()
    assert len(mails) == 1 and receiver.url in mails[0].body_text

    # Switched off, it hears nothing more.
    await _create_request_again(school, committed)
    clock.shift(timedelta(minutes=2))
    await delivery.run_pass(committed, settings)
    assert len(receiver.received) == 2

    receiver.status = 200
    enabled = await school.patch(f"{WEBHOOKS}/{hook['id']}", json={"is_enabled": True})
    assert enabled.status_code == 200
    assert enabled.json()["is_enabled"] is True
    assert enabled.json()["consecutive_failures"] == 0


async def _create_request_again(client, committed) -> None:
    async with committed() as db:
        setup = await ready(db, client.account.organisation_id, track="stage")
    response = await client.post(REQUESTS, json=body(setup.supervisor_id, track="stage"))
    assert response.status_code == 201, response.text


async def test_a_redirect_is_not_followed(committed, settings, school, receiver):
    receiver.status = 302
    hook = await _register(school, receiver.url, ["created"])
    await _create_request(school, committed)
    await delivery.run_pass(committed, settings)
    (logged,) = await _log(school, hook["id"])
    assert logged["state"] == "pending"
    assert logged["last_status_code"] == 302 and logged["last_error"] == "answered 302"
    assert len(receiver.received) == 1


async def test_a_rotated_secret_signs_what_follows(committed, settings, school, receiver):
    hook = await _register(school, receiver.url, ["created"])
    rotated = await school.post(f"{WEBHOOKS}/{hook['id']}/secret")
    assert rotated.status_code == 200
    secret = rotated.json()["secret"]
    assert secret != hook["secret"]
    await _create_request(school, committed)
    await delivery.run_pass(committed, settings)
    ((headers, content),) = receiver.received
    assert verify(secret, headers["stagematch-signature"], content)
    assert not verify(hook["secret"], headers["stagematch-signature"], content)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.be/hook",  # not https
        "https://127.0.0.1/hook",  # loopback
        "https://10.1.2.3/hook",  # private
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[::1]/hook",
        "https://user:pw@example.be/hook",
        "ftp://example.be/hook",
    ],
)
async def test_urls_that_could_reach_inside_are_refused(settings, sessionmaker, url):
    strict = settings.model_copy(update={"webhook_allow_private": False})
    app = create_app(strict, sessionmaker=sessionmaker)
    client = await _role_client(app, sessionmaker, "school")
    try:
        response = await client.post(WEBHOOKS, json={"url": url, "event_kinds": ["created"]})
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "webhook_url_refused"
        public = await client.post(
            WEBHOOKS, json={"url": "https://93.184.215.14/hook", "event_kinds": ["created"]}
        )
        assert public.status_code == 201
    finally:
        await client.aclose()


async def test_unknown_kinds_and_read_only_tokens_are_refused(school_client):
    bad = await school_client.post(
        WEBHOOKS, json={"url": "http://127.0.0.1:9/x", "event_kinds": ["everything"]}
    )
    assert bad.status_code == 422
    token = (
        await school_client.post("/api/v1/api-tokens", json={"name": "r", "read_only": True})
    ).json()["token"]
    refused = await school_client.post(
        WEBHOOKS,
        json={"url": "http://127.0.0.1:9/x", "event_kinds": ["created"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403


async def test_the_mail_worker_delivers_the_webhooks(committed, settings, school, receiver):
    from backend.mail import worker

    await _register(school, receiver.url, ["created"])
    stop = asyncio.Event()
    running = asyncio.create_task(
        worker.run(committed, settings.model_copy(update={"mail_poll_seconds": 0.1}), stop)
    )
    try:
        await _create_request(school, committed)
        async with asyncio.timeout(10):
            while not receiver.received:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running
    assert [e["kind"] for e in receiver.events()] == ["created"]


async def test_a_receiver_that_hangs_does_not_hold_up_the_mail(
    committed, settings, school, receiver
):
    from backend.mail import worker

    receiver.delay = 8.0  # answers only after 8 s (the timeout is 10 s)
    await _register(school, receiver.url, ["created"])
    await _create_request(school, committed)
    stop = asyncio.Event()
    quick = settings.model_copy(update={"mail_poll_seconds": 0.1})
    running = asyncio.create_task(worker.run(committed, quick, stop))
    try:
        async with asyncio.timeout(5):  # the webhook's delivery has started and hangs...
            while not receiver.connections:
                await asyncio.sleep(0.05)
        async with committed() as db:
            now = clock.now()
            mail = OutboxMail(
                to_address="someone@example.be",
                template="test",
                language="nl",
                subject="Onderwerp",
                body_text="Tekst",
                body_html="<p>Tekst</p>",
                created_at=now,
                next_attempt_at=now,
            )
            db.add(mail)
            await db.commit()
        async with asyncio.timeout(3):  # ...and the mail goes out all the same
            while True:
                async with committed() as db:
                    if (await db.get(OutboxMail, mail.id)).sent_at is not None:
                        break
                await asyncio.sleep(0.05)
        assert not receiver.received  # long before the receiver answered
    finally:
        stop.set()
        await running

"""Issue 13.8: an open event stream kept hearing its organisation's events after the session
behind it had ended: the organisation disabled, the password changed, signed out, the API
token's organisation disabled or the token revoked. Each of these now closes the stream at
once; a stream whose credentials still hold stays open."""

import asyncio
import json

import pytest
from sqlalchemy import update

from backend import clock
from backend.events import broker as events
from backend.events import stream as events_stream
from backend.main import create_app
from backend.organisations.models import Organisation
from tests import factories
from tests.conftest import make_client
from tests.services_helpers import streaming_client

URL = "/api/v1/events"
TIMEOUT = 5
NEW_PASSWORD = "Nieuwe-Lente-Boterham-77"


@pytest.fixture
async def world(settings, committed):
    """An app on real connections (a stream re-checks in a session of its own while other
    requests run), a school and an admin signed in."""
    app = create_app(settings, sessionmaker=committed)
    async with committed() as session:
        school = await factories.account(session, "school")
        admin = await factories.account(session, "admin")
        await session.commit()
    async with make_client(app) as school_client, make_client(app) as admin_client:
        for client, account in ((school_client, school), (admin_client, admin)):
            token = await factories.login(client, account.email)
            client.headers["Authorization"] = f"Bearer {token}"
        yield app, school, school_client, admin_client


def _bearer(client) -> str:
    return client.headers["Authorization"].removeprefix("Bearer ")


async def _connected(lines) -> None:
    async with asyncio.timeout(TIMEOUT):
        async for line in lines:
            if line == ": connected":
                return


async def _ends(lines) -> list[str]:
    """Reads the stream to its end; fails if it is still open after TIMEOUT."""
    seen = []
    async with asyncio.timeout(TIMEOUT):
        async for line in lines:
            seen.append(line)
    return seen


async def _still_hears(lines, organisation_id) -> None:
    events.broker().publish([str(organisation_id)], {"kind": "marker"})
    async with asyncio.timeout(TIMEOUT):
        async for line in lines:
            if line.startswith("data: "):
                assert json.loads(line.removeprefix("data: ")) == {"kind": "marker"}
                return
    raise AssertionError("the stream ended")


async def _disable(admin_client, organisation_id) -> None:
    response = await admin_client.patch(
        f"/api/v1/organisations/{organisation_id}", json={"is_disabled": True}
    )
    assert response.status_code == 200, response.text


async def test_disabling_the_organisation_closes_its_stream(world):
    app, school, school_client, admin_client = world
    async with (
        streaming_client(app, _bearer(school_client)) as client,
        client.stream("GET", URL) as stream,
    ):
        assert stream.status_code == 200
        lines = stream.aiter_lines()
        await _connected(lines)
        await _still_hears(lines, school.organisation_id)
        await _disable(admin_client, school.organisation_id)
        seen = await _ends(lines)
    assert not any(line.startswith("data: ") for line in seen)


async def test_changing_the_password_closes_the_stream(world):
    app, school, school_client, _ = world
    async with (
        streaming_client(app, _bearer(school_client)) as client,
        client.stream("GET", URL) as stream,
    ):
        lines = stream.aiter_lines()
        await _connected(lines)
        changed = await school_client.post(
            "/api/v1/me/password",
            json={"current_password": school.password, "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 200, changed.text
        await _ends(lines)


async def test_signing_out_closes_the_stream_of_that_session_only(world):
    app, school, school_client, _ = world
    async with make_client(app) as browser:
        token = await factories.login(browser, school.email)
        async with (
            streaming_client(app, token) as client,
            client.stream("GET", URL) as signed_out,
            streaming_client(app, _bearer(school_client)) as other_client,
            other_client.stream("GET", URL) as other_session,
        ):
            lines, other_lines = signed_out.aiter_lines(), other_session.aiter_lines()
            await _connected(lines)
            await _connected(other_lines)
            assert (await browser.post("/api/v1/auth/logout")).status_code == 204
            await _ends(lines)
            # The same person's other sign-in still hears its organisation.
            await _still_hears(other_lines, school.organisation_id)


async def test_an_api_tokens_stream_closes_when_its_organisation_is_disabled(world):
    app, school, school_client, admin_client = world
    created = await school_client.post(
        "/api/v1/api-tokens", json={"name": "Dashboard", "read_only": True}
    )
    secret = created.json()["token"]
    async with streaming_client(app, secret) as client, client.stream("GET", URL) as stream:
        lines = stream.aiter_lines()
        await _connected(lines)
        await _disable(admin_client, school.organisation_id)
        await _ends(lines)
    async with make_client(app) as script:
        refused = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "account_disabled"


async def test_revoking_an_api_token_closes_its_stream(world):
    app, _, school_client, _ = world
    created = (
        await school_client.post("/api/v1/api-tokens", json={"name": "Scherm", "read_only": True})
    ).json()
    async with (
        streaming_client(app, created["token"]) as client,
        client.stream("GET", URL) as stream,
    ):
        lines = stream.aiter_lines()
        await _connected(lines)
        revoked = await school_client.delete(f"/api/v1/api-tokens/{created['id']}")
        assert revoked.status_code == 204
        await _ends(lines)


async def test_a_change_nobody_announced_closes_the_stream_at_its_next_check(
    world, committed, monkeypatch
):
    # As if the change happened on another replica and Redis did not carry the news.
    monkeypatch.setattr(events_stream, "RECHECK_SECONDS", 0.2, raising=False)
    app, school, school_client, _ = world
    async with (
        streaming_client(app, _bearer(school_client)) as client,
        client.stream("GET", URL) as stream,
    ):
        lines = stream.aiter_lines()
        await _connected(lines)
        async with committed() as session:
            await session.execute(
                update(Organisation)
                .where(Organisation.id == school.organisation_id)
                .values(disabled_at=clock.now())
            )
            await session.commit()
        await _ends(lines)

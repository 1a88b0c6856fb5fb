"""Organisation API tokens for scripts: created, listed and revoked by a signed-in user, shown
once, stored hashed; a token acts for its organisation, a read-only one cannot write."""

import re
import uuid
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from backend import clock
from backend.auth.models import ApiToken
from tests.conftest import _role_client, make_client

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


async def create_token(client, **body) -> dict:
    body = {"name": "Leerlingenadministratie", "read_only": False, **body}
    response = await client.post("/api/v1/api-tokens", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_create_shows_the_secret_once_and_stores_only_a_hash(school_client, db):
    created = await create_token(school_client, read_only=True)

    assert re.fullmatch(r"smt_[A-Za-z0-9_-]{40,}", created["token"])
    assert created["token"].startswith(created["prefix"])
    assert created["read_only"] is True
    assert created["name"] == "Leerlingenadministratie"
    assert created["expires_at"] is None and created["last_used_at"] is None
    listed = (await school_client.get("/api/v1/api-tokens")).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == created["id"]
    assert "token" not in listed["items"][0] and "token_hash" not in listed["items"][0]
    row = await db.scalar(select(ApiToken).where(ApiToken.id == uuid.UUID(created["id"])))
    assert created["token"] not in (row.token_hash, row.prefix)


async def test_create_answer_is_not_cached(school_client):
    response = await school_client.post("/api/v1/api-tokens", json={"name": "x", "read_only": True})
    assert response.headers["cache-control"] == "no-store"


async def test_token_acts_for_its_organisation(app, school_client):
    created = await create_token(school_client)
    async with make_client(app) as script:
        me = await script.get("/api/v1/me", headers=bearer(created["token"]))
        assert me.status_code == 200
        assert me.json()["organisation"]["id"] == str(school_client.account.organisation_id)
        # School-only endpoints treat the token as the school.
        assert (
            await script.get("/api/v1/supervisors", headers=bearer(created["token"]))
        ).status_code == 200
        admin_only = await script.get("/api/v1/organisations", headers=bearer(created["token"]))
        assert admin_only.status_code == 403


async def test_read_write_token_can_write(app, school_client):
    created = await create_token(school_client, read_only=False)
    async with make_client(app) as script:
        response = await script.patch(
            "/api/v1/me", json={"language": "en"}, headers=bearer(created["token"])
        )
    assert response.status_code == 200
    assert response.json()["language"] == "en"


async def test_revoking_stops_the_token_at_the_next_request(app, school_client):
    created = await create_token(school_client)
    async with make_client(app) as script:
        headers = bearer(created["token"])
        assert (await script.get("/api/v1/me", headers=headers)).status_code == 200

        revoked = await school_client.delete(f"/api/v1/api-tokens/{created['id']}")
        assert revoked.status_code == 204

        after = await script.get("/api/v1/me", headers=headers)
        assert after.status_code == 401
        assert after.json()["code"] == "token_invalid"
    assert (await school_client.get("/api/v1/api-tokens")).json()["total"] == 0
    again = await school_client.delete(f"/api/v1/api-tokens/{created['id']}")
    assert again.status_code == 404


async def test_tokens_of_other_organisations_are_invisible(school_client, other_school_client):
    mine = await create_token(school_client)
    theirs = await other_school_client.delete(f"/api/v1/api-tokens/{mine['id']}")
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "not_found"
    assert (await other_school_client.get("/api/v1/api-tokens")).json()["total"] == 0
    assert (await school_client.get("/api/v1/api-tokens")).json()["total"] == 1


async def test_expired_token_is_refused(app, school_client):
    expiry = clock.now() + timedelta(days=1)
    created = await create_token(school_client, expires_at=expiry.isoformat())
    async with make_client(app) as script:
        headers = bearer(created["token"])
        assert (await script.get("/api/v1/me", headers=headers)).status_code == 200
        clock.shift(timedelta(days=1, seconds=1))
        response = await script.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "read_only": True, "expires_at": "2001-01-01T00:00:00Z"},
        {"name": "x", "read_only": True, "expires_at": "2099-01-01T00:00:00"},  # no zone
        {"name": "x"},  # read_only must be chosen
        {"name": "", "read_only": True},
        {"name": "x", "read_only": True, "organisation_id": str(uuid.uuid4())},
    ],
)
async def test_invalid_bodies_are_422_problems(school_client, body):
    response = await school_client.post("/api/v1/api-tokens", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"


async def test_unknown_token_is_refused(client):
    response = await client.get("/api/v1/me", headers=bearer("smt_" + "x" * 43))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


async def test_disabled_organisation_stops_its_tokens(app, school_client, admin_client):
    created = await create_token(school_client)
    disabled = await admin_client.patch(
        f"/api/v1/organisations/{school_client.account.organisation_id}",
        json={"is_disabled": True},
    )
    assert disabled.status_code == 200
    async with make_client(app) as script:
        response = await script.get("/api/v1/me", headers=bearer(created["token"]))
    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"


async def test_last_use_is_recorded_at_most_once_a_minute(app, school_client):
    created = await create_token(school_client)

    async def last_used() -> str | None:
        return (await school_client.get("/api/v1/api-tokens")).json()["items"][0]["last_used_at"]

    async with make_client(app) as script:
        headers = bearer(created["token"])
        await script.get("/api/v1/me", headers=headers)
        first = await last_used()
        assert first is not None
        clock.shift(timedelta(seconds=30))
        await script.get("/api/v1/me", headers=headers)
        assert await last_used() == first
        clock.shift(timedelta(seconds=31))
        await script.get("/api/v1/me", headers=headers)
        assert await last_used() > first


async def test_api_token_cannot_change_the_password(app, school_client):
    created = await create_token(school_client)
    async with make_client(app) as script:
        response = await script.post(
            "/api/v1/me/password",
            json={"current_password": "guess-guess-guess", "new_password": "Another-Long-One-42"},
            headers=bearer(created["token"]),
        )
    assert response.status_code == 403
    assert response.json()["code"] == "session_required"


async def test_api_token_cannot_manage_tokens(app, school_client):
    created = await create_token(school_client)
    async with make_client(app) as script:
        headers = bearer(created["token"])
        attempts = [
            await script.post(
                "/api/v1/api-tokens", json={"name": "more", "read_only": False}, headers=headers
            ),
            await script.get("/api/v1/api-tokens", headers=headers),
            await script.delete(f"/api/v1/api-tokens/{created['id']}", headers=headers),
        ]
    for response in attempts:
        assert response.status_code == 403
        assert response.json()["code"] == "session_required"


async def test_creation_and_revocation_are_audited(school_client, admin_client):
    created = await create_token(school_client)
    await school_client.delete(f"/api/v1/api-tokens/{created['id']}")
    entries = (await admin_client.get("/api/v1/admin/audit")).json()["items"]
    actions = {e["action"] for e in entries if e.get("object_id") == created["id"]}
    assert actions == {"api_token.created", "api_token.revoked"}


def private_write_routes(app) -> list[tuple[str, str]]:
    """Every write operation behind authentication: all of /api/v1 except the public auth
    router."""
    found = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        path = context.path_format
        if not path.startswith("/api/v1/") or path.startswith("/api/v1/auth/"):
            continue
        for method in sorted((context.methods or set()) & WRITE_METHODS):
            found.append((method, path))
    return found


@pytest.mark.parametrize("role", ["school", "service", "admin"])
async def test_read_only_token_gets_403_on_every_write_endpoint(app, sessionmaker, role):
    owner = await _role_client(app, sessionmaker, role)
    try:
        token = (await create_token(owner, read_only=True))["token"]
        routes = private_write_routes(app)
        # The walk covers the known writes, so it cannot pass by finding nothing.
        assert {("PATCH", "/api/v1/me"), ("POST", "/api/v1/organisations")} <= set(routes)
        assert len(routes) >= 15
        async with make_client(app) as script:
            headers = bearer(token)
            assert (await script.get("/api/v1/me", headers=headers)).status_code == 200
            answers = {}
            for method, path in routes:
                url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
                response = await script.request(method, url, json={}, headers=headers)
                answers[f"{method} {path}"] = (response.status_code, response.json().get("code"))
        wrong = {route: got for route, got in answers.items() if got != (403, "read_only_token")}
        assert not wrong
    finally:
        await owner.aclose()

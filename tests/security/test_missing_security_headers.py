"""Without its own security headers the app could be framed (clickjacking), have its answers
sniffed into another type, run an injected script, leave personal data in a browser's or a
proxy's cache, or be reached over plain http after a first https visit. The app sets them
itself: nginx may add, but the app alone must be safe. (That the client runs under the
policy is shown in real Chromium: tests/browser/test_content_security_policy.py.)"""

import base64
import hashlib
import re

import pytest

from backend.config import Settings
from backend.main import create_app
from tests.conftest import make_client

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
PATHS = [
    "/",
    "/school/requests",
    "/src/main.js",
    "/healthz",
    "/api/docs",
    "/api/v1/openapi.json",
    "/api/v1/config",
    "/api/v1/me",
    "/api/v1/nothing-here",
]


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def _hash(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


@pytest.mark.parametrize("path", PATHS)
async def test_every_response_forbids_framing_sniffing_and_foreign_referrers(client, path):
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer")
    policy = _directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    # PUBLIC_URL is http in the tests: no HSTS, which would lock a plain-http site out.
    assert "strict-transport-security" not in response.headers


async def test_the_page_allows_its_own_inline_scripts_and_nothing_else(client):
    response = await client.get("/activate?token=abc")
    policy = _directives(response.headers["content-security-policy"])
    inline = INLINE_SCRIPT.findall(response.text)
    assert len(inline) >= 2  # the import map, the old-browser notices
    assert sorted(policy["script-src"]) == sorted(["'self'", *map(_hash, inline)])
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    for directive in ("default-src", "style-src", "connect-src"):
        assert policy[directive] == ["'self'"], directive


async def test_the_docs_page_allows_its_starting_script(client):
    response = await client.get("/api/docs")
    policy = _directives(response.headers["content-security-policy"])
    inline = INLINE_SCRIPT.findall(response.text)
    assert inline and {_hash(script) for script in inline} <= set(policy["script-src"])
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]


async def test_api_answers_are_never_stored(client, admin_client, school_client):
    answers = [
        await admin_client.get("/api/v1/organisations"),
        await admin_client.get("/api/v1/admin/audit"),
        await school_client.get("/api/v1/me"),
        await school_client.get("/api/v1/placement-requests"),
        await school_client.get("/api/v1/supervisors"),
        await client.get("/api/v1/me"),  # 401
        await client.post("/api/v1/auth/login", json={}),  # 422
        await client.get("/api/v1/config"),
    ]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store", answer.request.url
    # What holds no personal data may be kept.
    for path in ("/api/v1/openapi.json", "/api/v1/reference/provinces"):
        answer = await school_client.get(path)
        assert answer.status_code == 200
        assert "no-store" not in answer.headers.get("cache-control", ""), path


async def test_https_sites_get_strict_transport_security(settings: Settings, sessionmaker):
    https = settings.model_copy(update={"public_url": "https://stagematch.example.be"})
    async with make_client(create_app(https, sessionmaker=sessionmaker)) as client:
        for path in ("/", "/api/v1/me", "/healthz"):
            hsts = (await client.get(path)).headers["strict-transport-security"]
            assert int(re.match(r"max-age=(\d+)", hsts)[1]) >= 180 * 24 * 3600

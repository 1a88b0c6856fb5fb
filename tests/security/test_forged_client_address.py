"""A client writes someone else's address in X-Forwarded-For to escape the per-address login
limit and to put a false address in the audit log. The app must believe that header from its
proxy only, and the proxy must state the address it saw rather than pass on the client's.

Real `stagematch serve` processes: uvicorn's proxy-headers middleware, outside the app, is
what reads the header."""

from pathlib import Path

import httpx
import pytest
import yaml

from tests.live_server import ADMIN_PASSWORD, LiveServer, prepared_env
from tests.nginx import Nginx
from tests.test_reliability import _scratch_url

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 3
FORGED = "198.51.100.{}"


@pytest.fixture
def env():
    env = prepared_env(_scratch_url("forged"))
    # Per account stays high: each attempt names another account; only the address counts.
    env.update(LOGIN_ATTEMPTS_PER_ADDRESS=str(LIMIT), LOGIN_ATTEMPTS_PER_ACCOUNT="100")
    return env


def _login(client: httpx.Client, email: str, password: str, forged: str) -> httpx.Response:
    return client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": forged},
    )


def _assert_forged_addresses_ignored(client: httpx.Client, real_address: str) -> None:
    admin = _login(client, "admin@example.be", ADMIN_PASSWORD, FORGED.format(200))
    assert admin.status_code == 200, admin.text
    for attempt in range(LIMIT):
        answer = _login(client, f"nobody{attempt}@example.be", "wrong", FORGED.format(attempt))
        assert answer.status_code == 401, answer.text
    # Another address again, but the same client: the limit holds.
    answer = _login(client, "nobody-else@example.be", "wrong", FORGED.format(99))
    assert answer.status_code == 429, answer.text
    assert answer.json()["code"] == "rate_limited"

    headers = {"Authorization": f"Bearer {admin.json()['access_token']}"}
    for action, count in (("login", 1), ("login_failed", LIMIT)):
        entries = client.get(
            "/api/v1/admin/audit", params={"action": action}, headers=headers
        ).json()["items"]
        assert [e["client_address"] for e in entries] == [real_address] * count, action


def test_through_the_shipped_nginx_the_address_is_the_one_nginx_saw(env, tmp_path):
    """The app trusts loopback by default, where nginx runs here: nginx alone decides."""
    server = LiveServer(env).start()
    try:
        with (
            Nginx([f"127.0.0.1:{server.port}"], tmp_path) as nginx,
            httpx.Client(base_url=nginx.url, timeout=10) as client,
        ):
            _assert_forged_addresses_ignored(client, "127.0.0.1")
    finally:
        server.stop()


def _compose_api_trust() -> tuple[tuple[str, ...], dict[str, str]]:
    """The API's serve options beyond host and port, and its FORWARDED_ALLOW_IPS, as
    docker-compose.yml runs it."""
    api = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["api"]
    command = api["command"]
    options = tuple(command[command.index("--port") + 2 :])
    environment = api.get("environment") or {}
    trusted = {k: v for k, v in environment.items() if k == "FORWARDED_ALLOW_IPS"}
    return options, trusted


def test_straight_to_the_api_as_compose_runs_it_the_header_is_not_believed(env):
    """A caller that is not the proxy (here 127.0.0.2; in the stack, any container but
    nginx) reaches the API directly."""
    options, trusted = _compose_api_trust()
    server = LiveServer({**env, **trusted}, serve_args=options).start()
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    try:
        with httpx.Client(base_url=server.url, transport=transport, timeout=10) as client:
            _assert_forged_addresses_ignored(client, "127.0.0.2")
    finally:
        server.stop()

"""Logs are JSON lines carrying the request id; every response carries `X-Request-ID`, the
caller's own when it is safe."""

import asyncio
import io
import json
import logging
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography.fernet import Fernet
from pydantic import ValidationError

from backend import logging as app_logging
from backend.config import Settings
from tests.conftest import ROOT, free_port, make_client
from tests.live_server import server_env

STAGEMATCH = str(Path(sys.executable).parent / "stagematch")


@pytest.fixture
def json_lines():
    """The root logger's records as JSON lines, for the duration of a test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(app_logging.JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(previous)


def add_first(app, path: str, endpoint) -> None:
    """A test route before the client's catch-all route."""
    app.add_api_route(path, endpoint, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())


async def test_every_response_carries_a_generated_request_id(client):
    for path in ("/healthz", "/api/v1/me", "/api/v1/nothing-here", "/"):
        response = await client.get(path)
        assert len(response.headers["x-request-id"]) == 32, path
    first = (await client.get("/healthz")).headers["x-request-id"]
    assert (await client.get("/healthz")).headers["x-request-id"] != first


async def test_a_safe_incoming_request_id_is_kept(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a.01"})
    assert response.headers["x-request-id"] == "nginx-4f2a.01"


@pytest.mark.parametrize("unsafe", ["a" * 65, "two words", 'quote"s', "semi;colon", "tab\tx"])
async def test_an_unsafe_incoming_request_id_is_replaced(client, unsafe):
    response = await client.get("/healthz", headers={"X-Request-ID": unsafe})
    assert response.headers["x-request-id"] != unsafe
    assert len(response.headers["x-request-id"]) == 32


async def test_access_line_is_one_json_object_with_the_request(client, json_lines):
    await client.get("/api/v1/me?access_token=secret-value", headers={"X-Request-ID": "abc-1"})
    access = [e for e in json_lines() if e["logger"] == "stagematch.access"]
    assert len(access) == 1
    entry = access[0]
    assert {"time", "level", "logger", "message", "duration_ms", "client"} <= entry.keys()
    assert entry["request_id"] == "abc-1"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/v1/me", 401)
    assert entry["level"] == "INFO"
    assert isinstance(entry["duration_ms"], float)
    # The query string may carry a token: the server never logs it (httpx is the client).
    server_side = [e for e in json_lines() if not e["logger"].startswith("httpx")]
    assert "secret-value" not in json.dumps(server_side)


async def test_an_unexpected_error_is_logged_with_the_request_id(app, json_lines):
    async def boom() -> None:
        raise RuntimeError("kaboom")

    add_first(app, "/api/v1/test-boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/api/v1/test-boom", headers={"X-Request-ID": "boom-7"})
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    # Even the 500 of Starlette's outermost error handler carries the id.
    assert response.headers["x-request-id"] == "boom-7"
    lines = [e for e in json_lines() if e.get("request_id") == "boom-7"]
    error = next(e for e in lines if "exception" in e)
    assert "kaboom" in error["exception"] and error["level"] == "ERROR"
    access = next(e for e in lines if e["logger"] == "stagematch.access")
    assert (access["status"], access["level"]) == (500, "WARNING")


async def test_a_500_under_uvicorn_is_logged_once_with_its_request_id(app, json_lines):
    async def boom() -> None:
        raise RuntimeError("kaboom")

    add_first(app, "/api/v1/test-boom", boom)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            response = await client.get("/api/v1/test-boom", headers={"X-Request-ID": "boom-8"})
    finally:
        server.should_exit = True
        await serving
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    # Our handler's line, with the id; not a second traceback from uvicorn without it.
    tracebacks = [e for e in json_lines() if "exception" in e]
    assert len(tracebacks) == 1, [e["message"] for e in tracebacks]
    assert tracebacks[0]["request_id"] == "boom-8" and "kaboom" in tracebacks[0]["exception"]


async def test_streaming_responses_pass_through_with_the_id(app):
    from starlette.responses import StreamingResponse

    async def chunks():
        for i in range(3):
            yield f"data: {i}\n\n"

    async def stream():
        return StreamingResponse(chunks(), media_type="text/event-stream")

    add_first(app, "/api/v1/test-stream", stream)
    async with make_client(app) as client:
        response = await client.get("/api/v1/test-stream")
    assert response.text == "data: 0\n\ndata: 1\n\ndata: 2\n\n"
    assert response.headers["x-request-id"]


@pytest.fixture
def root_logging():
    """Puts the root logger's handlers back after a test configured the process's logging."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _settings(**values) -> Settings:
    if values.get("environment") == "production":
        values |= {
            "secret_key": secrets.token_urlsafe(48),
            "data_key": Fernet.generate_key().decode(),
            "blind_index_key": secrets.token_urlsafe(48),
            "smtp_host": "smtp.example",
        }
    return Settings(_env_file=None, **values)


def _first_line(settings: Settings) -> str:
    stream = io.StringIO()
    app_logging.configure(settings, stream=stream)
    logging.getLogger("stagematch.test").info("hello")
    return stream.getvalue().splitlines()[0]


@pytest.mark.parametrize(
    ("log_format", "environment", "expected"),
    [
        ("", "development", "text"),
        ("", "production", "json"),
        (" JSON", "development", "json"),
        ("text", "production", "text"),
    ],
)
def test_format_follows_log_format_then_environment(
    monkeypatch, root_logging, log_format, environment, expected
):
    # Whatever the process's environment says: the Settings object decides.
    monkeypatch.setenv("LOG_FORMAT", "text" if expected == "json" else "json")
    line = _first_line(_settings(environment=environment, log_format=log_format))
    if expected == "json":
        assert json.loads(line)["message"] == "hello"
    else:
        assert line.endswith("INFO stagematch.test hello")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValidationError, match="log_format"):
        Settings(log_format="xml", _env_file=None)


def test_served_process_writes_json_lines(tmp_path):
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path / 'logs.db'}", LOG_FORMAT="json")
    process = subprocess.Popen(
        [STAGEMATCH, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "live-42"}
                )
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        assert response.headers["x-request-id"] == "live-42"
        assert "server" not in response.headers  # no stack name and version for attackers
        # The client's address: the forwarded one from a trusted proxy (loopback by
        # default), the peer's own from anyone else (here 127.0.0.2).
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        httpx.get(
            f"http://127.0.0.1:{port}/healthz", headers={**forwarded, "X-Request-ID": "proxied"}
        )
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
            other.get(
                f"http://127.0.0.1:{port}/healthz", headers={**forwarded, "X-Request-ID": "direct"}
            )
    finally:
        process.terminate()
        stderr = process.communicate(timeout=10)[1]
    entries = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert any(e["logger"].startswith("uvicorn") for e in entries)
    access = [e for e in entries if e.get("request_id") == "live-42"]
    assert len(access) == 1
    assert (access[0]["path"], access[0]["status"]) == ("/healthz", 200)
    assert access[0]["client"] == "127.0.0.1"
    clients = {e["request_id"]: e["client"] for e in entries if e["logger"] == "stagematch.access"}
    assert (clients["proxied"], clients["direct"]) == ("203.0.113.9", "127.0.0.2")

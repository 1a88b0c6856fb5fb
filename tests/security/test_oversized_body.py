"""Bodies beyond their limit (a megabyte of JSON; the import's file and its envelope) are
refused with `413 payload_too_large` before they are read whole: a declared Content-Length
before any byte is read, a chunked body at the first byte over. The server neither buffers
the rest nor waits for it."""

import time
from pathlib import Path

import httpx

from backend import body_limit
from tests.conftest import ROOT
from tests.live_server import LiveServer, server_env
from tests.test_import_export import IMPORT

MB = 1024 * 1024
CHUNK = 64 * 1024


class Body:
    """A streamed request body of `total` bytes that counts what the server asked for."""

    def __init__(self, total: int, head: bytes = b"", tail: bytes = b"") -> None:
        self.total, self.head, self.tail = total, head, tail
        self.sent = 0

    def chunks(self):
        yield self.head
        while self.sent < self.total:
            self.sent += CHUNK
            yield b" " * CHUNK
        yield self.tail

    async def stream(self):
        for chunk in self.chunks():
            yield chunk


def _refused(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
    assert response.json()["max_bytes"] == limit
    assert response.headers["x-request-id"]


async def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read(
    school_client,
):
    body = Body(20 * MB)
    response = await school_client.post(
        "/api/v1/supervisors",
        content=body.stream(),
        headers={"Content-Type": "application/json", "Content-Length": str(20 * MB)},
    )
    _refused(response, body_limit.JSON_LIMIT)
    assert response.headers["connection"] == "close"
    assert body.sent == 0


async def test_a_chunked_json_body_is_cut_at_the_limit(school_client):
    body = Body(50 * MB, head=b'{"first_name": "', tail=b'"}')
    response = await school_client.post(
        "/api/v1/supervisors", content=body.stream(), headers={"Content-Type": "application/json"}
    )
    _refused(response, body_limit.JSON_LIMIT)
    assert body.sent <= body_limit.JSON_LIMIT + CHUNK


async def test_an_upload_has_the_import_limit(school_client):
    limit = body_limit.UPLOAD_LIMITS[IMPORT]
    boundary = "grens"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="pupils.csv"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    big = Body(100 * MB, head=head, tail=tail)
    response = await school_client.post(
        IMPORT, params={"track": "duaal", "dry_run": "true"}, content=big.stream(), headers=headers
    )
    _refused(response, limit)
    assert big.sent <= limit + CHUNK

    # Four megabytes is more than any JSON body may be, and well within an upload's limit:
    # the import itself reads it (and finds no template in it).
    fits = Body(4 * MB, head=head + b"first_name;last_name\n", tail=tail)
    response = await school_client.post(
        IMPORT, params={"track": "duaal", "dry_run": "true"}, content=fits.stream(), headers=headers
    )
    assert response.status_code != 413, response.text


async def test_the_limit_is_documented_on_every_operation_with_a_body(client):
    spec = (await client.get("/api/v1/openapi.json")).json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                refused = operation["responses"].get("413", {})
                assert "payload_too_large" in refused.get("description", ""), (method, path)


def _peak_rss(pid: int) -> int:
    """The most memory the process ever held (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_a_live_server_answers_a_streamed_body_without_taking_it_in():
    # The limit holds before any endpoint reads the body: no database is needed for this.
    server = LiveServer(server_env(f"sqlite:///{ROOT / 'var' / 'body-limit.db'}")).start()
    try:
        before = _peak_rss(server.process.pid)
        body = Body(200 * MB, head=b'{"email": "', tail=b'"}')
        started = time.monotonic()
        response = httpx.post(
            f"{server.url}/api/v1/auth/login",
            content=body.chunks(),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        took = time.monotonic() - started

        _refused(response, body_limit.JSON_LIMIT)
        # The server closed the connection after its answer instead of reading on.
        assert body.sent < 50 * MB, f"{body.sent / MB:.0f} MB sent"
        assert _peak_rss(server.process.pid) - before < 32 * MB
        assert took < 10
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    finally:
        server.stop()

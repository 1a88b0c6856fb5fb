"""A client that keeps its connection open for a while may send on it again: the server keeps
an idle connection longer than its clients do (`KEEP_ALIVE_SECONDS`), so a request sent just
as the client's own idle time runs out never meets a connection the server has closed (it was
a reset, `ReadError`, in the benchmark's rush: docs/DECISIONS.md)."""

import socket
import time

import pytest

from tests.live_server import live_server_with_own_database

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
# Longer than uvicorn's default (5 s) and than httpx's idle time for a pooled connection.
IDLE_SECONDS = 6


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    yield from live_server_with_own_database(tmp_path_factory, "keepalive")


def _answer(connection: socket.socket) -> bytes:
    connection.sendall(REQUEST)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(4096)
        if not chunk:
            return received
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += connection.recv(4096)
    return head


def test_an_idle_connection_is_still_open_after_a_client_s_idle_time(live):
    server, _ = live
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        assert _answer(connection).startswith(b"HTTP/1.1 200")
        time.sleep(IDLE_SECONDS)
        assert _answer(connection).startswith(b"HTTP/1.1 200")

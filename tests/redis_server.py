"""A redis-server of a test's own on a free port, stopped and started again at will (an
outage), and its fixture."""

import subprocess
import time

import pytest
import redis

from tests.conftest import free_port

TIMEOUT = 10


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        try:
            deadline = time.monotonic() + TIMEOUT
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    assert time.monotonic() < deadline, "redis-server did not start"
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(TIMEOUT)

    def keys(self) -> list[bytes]:
        client = redis.Redis.from_url(self.url)
        try:
            return client.keys("*")
        finally:
            client.close()


@pytest.fixture(name="redis_server")
def redis_server_fixture():
    server = RedisServer()
    server.start()
    yield server
    server.stop()

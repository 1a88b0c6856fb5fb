"""A real `stagematch serve` process on a free port, for tests that need a server: kill it,
restart it, run several."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port, fresh_database

STAGEMATCH = str(Path(sys.executable).parent / "stagematch")
ADMIN_PASSWORD = "Beheerder-Sterk-Wachtwoord-1"


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(
        {
            "ENVIRONMENT": "test",
            "DATABASE_URL": database_url,
            "MAIL_WORKER_IN_PROCESS": "false",
            "ARGON2_MEMORY_KIB": "8192",
            "ARGON2_TIME_COST": "1",
            "REDIS_URL": "",
            "SMTP_HOST": "",
        }
    )
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [STAGEMATCH, *args], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120
    )


def prepared_env(database_url: str) -> dict[str, str]:
    """A fresh, migrated database with an admin (admin@example.be), and a server's
    environment on it."""
    fresh_database(database_url)
    env = server_env(database_url)
    run_cli(env, "migrate")
    run_cli(env, "create-admin", "--email", "admin@example.be", "--password", ADMIN_PASSWORD)
    return env


async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"email": "admin@example.be", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class LiveServer:
    def __init__(
        self, env: dict[str, str], port: int | None = None, serve_args: tuple[str, ...] = ()
    ) -> None:
        self.env = env
        self.port = port or free_port()
        # More `stagematch serve` options (--host and --port are the server's own).
        self.serve_args = serve_args
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "LiveServer":
        self.process = subprocess.Popen(
            [
                STAGEMATCH,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *self.serve_args,
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                # A graceful stop, but not a long one: the tests' servers hold nothing open.
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.kill()


def live_server_with_own_database(tmp_path_factory, name: str):
    """A live server on a fresh, migrated database of its own (`<test database>_<name>` on
    PostgreSQL, a file on SQLite), for a module's fixture: yields (server, database URL)."""
    from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL, migrate

    if IS_POSTGRES:
        url = f"{TEST_DATABASE_URL}_{name}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp(name) / f'{name}.db'}"
    fresh_database(url)
    migrate(url)
    live = LiveServer(server_env(url)).start(timeout=60)
    try:
        yield live, url
    finally:
        live.stop()

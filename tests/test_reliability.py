"""Crashes and outages: an acknowledged write survives SIGKILL; the database going away
answers 503 problem+json, and the service recovers by itself when it returns."""

import asyncio
import contextlib
import itertools

import httpx
import pytest

from backend.db import IDLE_PING_SECONDS
from tests.conftest import IS_POSTGRES, ROOT, TEST_DATABASE_URL
from tests.live_server import LiveServer, admin_headers, prepared_env
from tests.tcp_proxy import TcpProxy


def _scratch_url(suffix: str) -> str:
    if IS_POSTGRES:
        return f"{TEST_DATABASE_URL}_{suffix}"
    return f"sqlite:///{ROOT / 'var' / f'reliability-{suffix}.db'}"


async def test_sigkill_loses_no_acknowledged_write():
    env = await asyncio.to_thread(prepared_env, _scratch_url("crash"))
    server = LiveServer(env).start()
    acknowledged: list[str] = []
    counter = itertools.count()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
            headers = await admin_headers(client)

            async def writer() -> None:
                while True:
                    email = f"school{next(counter)}@example.be"
                    try:
                        response = await client.post(
                            "/api/v1/organisations",
                            headers=headers,
                            json={
                                "kind": "school",
                                "name": email,
                                "email": email,
                                "postcode": "8000",
                            },
                        )
                    except httpx.HTTPError:
                        return  # the server died under this request: its fate is unknown
                    if response.status_code == 201:
                        acknowledged.append(email)

            writers = [asyncio.create_task(writer()) for _ in range(4)]
            await asyncio.sleep(1.0)
            server.kill()
            await asyncio.wait_for(asyncio.gather(*writers), 10)
        assert len(acknowledged) >= 5

        server = LiveServer(env).start()
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
            headers = await admin_headers(client)
            stored = set()
            for page in itertools.count(1):
                body = (
                    await client.get(
                        "/api/v1/organisations",
                        headers=headers,
                        params={"kind": "school", "page": page, "page_size": 200},
                    )
                ).json()
                stored |= {o["email"] for o in body["items"]}
                if page * 200 >= body["total"]:
                    break
        assert set(acknowledged) <= stored
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def _server_behind_proxy(suffix: str):
    """A live server on a fresh database that it reaches through a `TcpProxy`; yields the
    proxy, a client and the admin's headers."""
    url = _scratch_url(suffix)
    env = await asyncio.to_thread(prepared_env, url)
    proxy = TcpProxy()
    await proxy.up()
    env["DATABASE_URL"] = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    server = LiveServer(env).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            headers = await admin_headers(client)
            assert (await client.get("/api/v1/organisations", headers=headers)).status_code == 200
            yield proxy, client, headers
    finally:
        server.stop()
        await proxy.down()


@pytest.mark.skipif(not IS_POSTGRES, reason="needs a database server that can go away")
async def test_database_outage_answers_503_and_recovers():
    async with _server_behind_proxy("outage") as (proxy, client, headers):
        await proxy.down()
        for _ in range(3):
            response = await client.get("/api/v1/organisations", headers=headers)
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "service_unavailable"
            assert "Retry-After" in response.headers

        await proxy.up()
        response = await client.get("/api/v1/organisations", headers=headers)
        assert response.status_code == 200


@pytest.mark.skipif(not IS_POSTGRES, reason="needs a database server that can go away")
async def test_database_restart_while_idle_costs_no_request():
    """The pool pings a connection that sat idle before using it (backend/db.py): after a
    restart in a quiet spell, the first request finds its connection dead and gets a new one,
    instead of answering 503."""
    async with _server_behind_proxy("restart") as (proxy, client, headers):
        # Every pooled connection is cut while no request runs; the database comes back.
        await proxy.down()
        await proxy.up()
        await asyncio.sleep(IDLE_PING_SECONDS + 0.5)

        for _ in range(3):
            response = await client.get("/api/v1/organisations", headers=headers)
            assert response.status_code == 200, response.text

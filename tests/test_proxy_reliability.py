"""Through the shipped nginx (deploy/nginx.conf, run by tests/nginx.py) in front of two real
replicas: a database outage reaches the client as the app's own 503 problem+json (never
nginx's HTML 502) and ends for the client the moment the database is back, and a rolling
restart (replica 1, then 2) under a steady stream of requests loses none of them."""

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import IS_POSTGRES
from tests.live_server import LiveServer, admin_headers, prepared_env
from tests.nginx import Nginx
from tests.tcp_proxy import TcpProxy
from tests.test_reliability import _scratch_url

READ = "/api/v1/organisations"


@dataclass
class Answer:
    sent: float
    took: float
    status: int | None  # None: no answer at all (connection error, timeout)
    content_type: str = ""
    code: str | None = None
    method: str = "GET"


async def _call(client: httpx.AsyncClient, method: str, path: str, **kwargs) -> Answer:
    sent = time.monotonic()
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.HTTPError:
        return Answer(sent, time.monotonic() - sent, None, method=method)
    content_type = response.headers.get("content-type", "")
    code = response.json().get("code") if "json" in content_type and response.is_error else None
    return Answer(sent, time.monotonic() - sent, response.status_code, content_type, code, method)


@contextlib.asynccontextmanager
async def _stream(client: httpx.AsyncClient, headers: dict, writers: int = 0, readers: int = 1):
    """Requests without pause from `readers` GET loops and `writers` POST loops; yields the
    list their answers go to."""
    answers: list[Answer] = []
    stop = asyncio.Event()
    counter = itertools.count()

    async def read() -> None:
        while not stop.is_set():
            answers.append(await _call(client, "GET", READ, headers=headers))

    async def write() -> None:
        while not stop.is_set():
            email = f"rolling{next(counter)}@example.be"
            body = {"kind": "school", "name": email, "email": email, "postcode": "8000"}
            answers.append(await _call(client, "POST", READ, headers=headers, json=body))

    tasks = [asyncio.create_task(read()) for _ in range(readers)]
    tasks += [asyncio.create_task(write()) for _ in range(writers)]
    try:
        yield answers
    finally:
        stop.set()
        await asyncio.gather(*tasks)


def _is_outage_answer(answer: Answer) -> bool:
    return (
        answer.status == 503
        and answer.content_type == "application/problem+json"
        and answer.code == "service_unavailable"
    )


@pytest.mark.skipif(not IS_POSTGRES, reason="needs a database server that can go away")
async def test_through_nginx_an_outage_is_the_apps_503_and_a_rolling_restart_loses_nothing(
    tmp_path,
):
    url = _scratch_url("nginx")
    env = await asyncio.to_thread(prepared_env, url)
    database = TcpProxy()
    env["DATABASE_URL"] = url.replace("127.0.0.1:5432", f"127.0.0.1:{database.port}")
    replicas = [LiveServer(env), LiveServer(env)]
    nginx = Nginx([f"127.0.0.1:{r.port}" for r in replicas], tmp_path)
    await database.up()
    timings = {}
    try:
        for replica in replicas:
            await asyncio.to_thread(replica.start)
        nginx.start()
        async with httpx.AsyncClient(base_url=nginx.url, timeout=15) as client:
            headers = await admin_headers(client)
            assert (await client.get(READ, headers=headers)).status_code == 200
            # The probes are the app's, not nginx's page.
            health = await client.get("/healthz")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})

            # -- The database goes away for 3 s, under a steady stream of reads.
            async with _stream(client, headers) as answers:
                await asyncio.sleep(0.5)
                await database.down()
                cut = time.monotonic()
                await asyncio.sleep(1.0)
                ready = await client.get("/readyz")
                assert ready.status_code == 503, ready.text
                assert ready.headers["content-type"] == "application/problem+json"
                assert ready.json()["code"] == "not_ready"
                await asyncio.sleep(2.0)
                await database.up()
                back = time.monotonic()
                await asyncio.sleep(2.0)
            during = [a for a in answers if cut + 0.2 < a.sent and a.sent + a.took < back]
            after = [a for a in answers if a.sent > back]
            assert len(during) >= 10 and all(map(_is_outage_answer, during)), during[:5]
            # Nothing but 200 and the app's 503: no 502, no HTML, no error page of nginx.
            for answer in answers:
                assert answer.status == 200 or _is_outage_answer(answer), answer
            first_ok = next(i for i, a in enumerate(after) if a.status == 200)
            # The outage ends with the database's: the first request sent after it is
            # answered, or the next one, and none fails after that.
            assert first_ok <= 1, after[:3]
            assert all(a.status == 200 for a in after[first_ok:])
            timings["outage_503s"] = len(during)
            timings["recovered_after_s"] = round(
                after[first_ok].sent + after[first_ok].took - back, 3
            )
            timings["slowest_503_s"] = round(max(a.took for a in during), 3)

            # -- Rolling restart: replica 1, then 2, under reads and writes without pause.
            async with _stream(client, headers, writers=2, readers=2) as answers:
                await asyncio.sleep(0.5)
                for n, replica in enumerate(replicas, 1):
                    started = time.monotonic()
                    await asyncio.to_thread(replica.stop)
                    stopped = time.monotonic()
                    await asyncio.to_thread(replica.start)
                    timings[f"replica_{n}_stop_s"] = round(stopped - started, 2)
                    timings[f"replica_{n}_start_s"] = round(time.monotonic() - stopped, 2)
                    await asyncio.sleep(0.5)
                await asyncio.sleep(1.0)
            lost = [a for a in answers if a.status not in (200, 201)]
            assert not lost, lost[:5]
            assert sum(a.method == "POST" for a in answers) >= 20
            timings["restart_requests"] = len(answers)
            timings["restart_slowest_s"] = round(max(a.took for a in answers), 3)
            # nginx took neither replica out: both answer once both are back.
            served = {
                entry["upstream"]
                for entry in nginx.access_log()[-40:]
                if entry["path"] == READ and entry["status"] in (200, 201)
            }
            assert {f"127.0.0.1:{r.port}" for r in replicas} <= served, served
    finally:
        print(f"\nnginx reliability timings: {timings}")
        nginx.stop()
        for replica in replicas:
            await asyncio.to_thread(replica.stop)
        await database.down()

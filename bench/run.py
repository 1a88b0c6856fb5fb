"""`make bench`: the benchmark of issue 8, start to finish, on PostgreSQL.

1. drops and creates the database `stagematch_bench` (127.0.0.1:5432, user postgres), migrates
   it (`stagematch migrate`) and seeds it (`python -m bench.seed`: 500 schools, 150 services,
   10,000 requests; campaigns in their decision phase);
2. starts the API as in production: 2 single-process replicas (`stagematch serve`,
   ENVIRONMENT=production, JSON logs, no in-process mail worker, Redis for shared limits and
   events), which the driver's clients are dealt out over as nginx would; and the baseline
   the same way (2 x `uvicorn bench.baseline:app`);
3. drives both from this process over loopback (bench/driver.py), scenario by scenario, API
   and baseline windows interleaved;
4. writes bench/results/<time>.json and docs/PERFORMANCE.md.

    .venv/bin/python -m bench.run [--seconds 10] [--rounds 3] [--replicas 2] [--no-docs]
"""

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from cryptography.fernet import Fernet

from bench import driver

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/13"
API_PORT, BASELINE_PORT = 8711, 8712
BROWSE_KM = 25
BROWSE_CLIENTS = 8
OVERVIEW_CLIENTS = 8
LOGIN_CLIENTS = 20
RUSH_SECONDS = 60
RUSH_HOT_REQUESTS = 3000
EXPECTED_CONFLICTS = {"already_accepted", "capacity_full"}
# An invitation of a pupil another service accepted meanwhile: the request left the browse
# list, and a service that had not invited it may not know it exists.
EXPECTED_GONE = {"not_found"}
GOAL_RATIO = 0.6
LOGIN_GOAL = 3.0


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


# --- setting up -----------------------------------------------------------------------------


async def recreate_database(name: str) -> None:
    conn = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def redis_answers() -> bool:
    try:
        import redis.asyncio as redis

        client = redis.from_url(REDIS, socket_connect_timeout=1)
        try:
            return bool(await client.ping())
        finally:
            await client.aclose()
    except Exception:
        return False


def server_env(database_url: str, use_redis: bool, api_port: int = API_PORT) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATA_KEY": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(48),
        "PUBLIC_URL": f"http://127.0.0.1:{api_port}",
        "MAIL_WORKER_IN_PROCESS": "false",
        # Production refuses to start without one; no worker runs, so nothing connects to it.
        "SMTP_HOST": "127.0.0.1",
        "LOG_FORMAT": "json",
        "REDIS_URL": REDIS if use_redis else "",
        # A few simulated users make the traffic of hundreds: no per-caller API limit.
        "API_READS_PER_WINDOW": "100000000",
        "API_WRITES_PER_WINDOW": "100000000",
    }
    env.pop("TEST_DATABASE_URL", None)
    return env


def run_command(args: list[str], env: dict[str, str]) -> None:
    log("$ " + " ".join(args))
    subprocess.run(args, env=env, cwd=ROOT, check=True)  # noqa: S603 (our own commands)


class Server:
    """A server process in its own process group, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], port: int, ready: str):
        self.name, self.args, self.env, self.port, self.ready = name, args, env, port, ready
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log("$ " + " ".join(self.args))
        out = open(RESULTS / f"{self.name}.log", "wb")  # noqa: SIM115 (the server's lifetime)
        self.process = subprocess.Popen(  # noqa: S603
            self.args,
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def wait_ready(self, within: float = 90) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process and self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited; see bench/results/{self.name}.log")
                try:
                    if (await client.get(self.ready)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {within} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Replicas:
    """`count` single-process servers on every other port from `port`: production runs
    single-process API replicas behind nginx, which deals requests out over them. (One
    uvicorn with several workers shares one listening socket, and a handful of keep-alive
    connections opened at once all land on whichever worker wakes first: the others idle.)
    The driver deals its clients out over the replicas in turn."""

    def __init__(self, name: str, command, env: dict[str, str], port: int, count: int, ready):
        self.servers = [
            Server(f"{name}{n}", command(port + 2 * n), env, port + 2 * n, ready)
            for n in range(count)
        ]

    @property
    def url(self) -> str:
        return self.servers[0].url

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    @property
    def args(self) -> list[str]:
        return self.servers[0].args

    def start(self) -> None:
        for server in self.servers:
            server.start()

    async def wait_ready(self) -> None:
        for server in self.servers:
            await server.wait_ready()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def cpu(self) -> float:
        return sum(driver.process_cpu(s.process.pid) for s in self.servers if s.process)

    def meters(self) -> dict:
        """The CPU the replicas and PostgreSQL spend during a window (bench/driver.py)."""
        return {"server": self.cpu, "postgres": driver.postgres_cpu}


# --- the API's side ---------------------------------------------------------------------------


async def login(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return response.json()["access_token"]


async def login_all(base_url: str, emails: list[str], password: str) -> list[str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        semaphore = asyncio.Semaphore(8)

        async def one(email: str) -> str:
            async with semaphore:
                return await login(client, email, password)

        return list(await asyncio.gather(*(one(e) for e in emails)))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


BROWSE_PATH = f"/api/v1/placement-requests?max_km={BROWSE_KM}&page_size=50"
OVERVIEW_PATH = "/api/v1/placement-requests?page_size=200"


def browse_baseline_path(service_id: str) -> str:
    return f"/browse?service_id={service_id}&max_km={BROWSE_KM}&page_size=50"


def overview_baseline_path(school_id: str) -> str:
    return f"/overview?school_id={school_id}&page_size=200"


def compare_pages(api: dict, baseline: dict) -> dict:
    """Same ids in the same order (required), same totals, and whether whole items agree."""
    api_ids = [i["id"] for i in api["items"]]
    base_ids = [i["id"] for i in baseline["items"]]
    differing = sorted(
        {
            key
            for a, b in zip(api["items"], baseline["items"], strict=False)
            for key in {*a, *b}
            if a.get(key) != b.get(key)
        }
    )
    return {
        "items": len(api_ids),
        "same_ids_and_order": api_ids == base_ids,
        "same_total": api["total"] == baseline["total"],
        "api_total": api["total"],
        "baseline_total": baseline["total"],
        "fields_differing": differing,
    }


async def fetch_json(base_url: str, path: str, headers: dict | None = None) -> dict:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        response = await client.get(path, headers=headers)
        response.raise_for_status()
        return response.json()


async def pair(api_run, baseline_run, rounds: int) -> tuple[driver.Result, driver.Result]:
    """Runs the API's and the baseline's windows alternately, `rounds` times each."""
    api_result = baseline_result = None
    for n in range(rounds):
        first, second = (api_run, baseline_run) if n % 2 == 0 else (baseline_run, api_run)
        for fn in (first, second):
            result = await fn()
            log(
                f"  {result.name}: {result.rps:.0f} req/s, p50 {result.percentile(50):.1f} ms, "
                f"errors {result.errors}"
            )
            if fn is api_run:
                api_result = result if api_result is None else api_result.merge(result)
            else:
                baseline_result = (
                    result if baseline_result is None else baseline_result.merge(result)
                )
    return api_result, baseline_result


def ratios(api: driver.Result, baseline: driver.Result) -> dict:
    return {
        "throughput": round(api.rps / baseline.rps, 2) if baseline.rps else None,
        "median_latency": round(baseline.percentile(50) / api.percentile(50), 2)
        if api.count
        else None,
    }


# --- scenarios --------------------------------------------------------------------------------


async def scenario_browse(api, baseline, services, tokens, seconds, rounds) -> dict:
    checks = []
    for service, token in zip(services, tokens, strict=True):
        api_page = await fetch_json(api.url, BROWSE_PATH, bearer(token))
        base_page = await fetch_json(baseline.url, browse_baseline_path(service["id"]))
        checks.append({"service": service["email"], **compare_pages(api_page, base_page)})
    n = len(services)

    async def api_step(client, number):
        return await client.get(BROWSE_PATH, headers=bearer(tokens[number % n]))

    async def base_step(client, number):
        return await client.get(browse_baseline_path(services[number % n]["id"]))

    api, baseline = await pair(
        lambda: driver.run("api", api.urls, api_step, BROWSE_CLIENTS, seconds, meters=api.meters()),
        lambda: driver.run(
            "baseline", baseline.urls, base_step, BROWSE_CLIENTS, seconds, meters=baseline.meters()
        ),
        rounds,
    )
    return {
        "clients": BROWSE_CLIENTS,
        "services": n,
        "api": api.summary(),
        "baseline": baseline.summary(),
        "ratios": ratios(api, baseline),
        "checks": checks,
    }


async def scenario_overview(api, baseline, school, token, seconds, rounds) -> dict:
    api_page = await fetch_json(api.url, OVERVIEW_PATH, bearer(token))
    base_page = await fetch_json(baseline.url, overview_baseline_path(school["id"]))
    check = {"school": school["email"], **compare_pages(api_page, base_page)}

    async def api_step(client, number):
        return await client.get(OVERVIEW_PATH, headers=bearer(token))

    async def base_step(client, number):
        return await client.get(overview_baseline_path(school["id"]))

    api, baseline = await pair(
        lambda: driver.run(
            "api", api.urls, api_step, OVERVIEW_CLIENTS, seconds, meters=api.meters()
        ),
        lambda: driver.run(
            "baseline",
            baseline.urls,
            base_step,
            OVERVIEW_CLIENTS,
            seconds,
            meters=baseline.meters(),
        ),
        rounds,
    )
    return {
        "clients": OVERVIEW_CLIENTS,
        "api": api.summary(),
        "baseline": baseline.summary(),
        "ratios": ratios(api, baseline),
        "checks": [check],
    }


async def scenario_logins(api_urls, tokens, schools, password, seconds, rounds) -> dict:
    n = len(tokens)

    async def browse_step(client, number):
        return await client.get(BROWSE_PATH, headers=bearer(tokens[number % n]))

    def login_step_for(counter: list[int]):
        async def login_step(client, number):
            counter[0] += 1
            email = schools[(counter[0] * 7 + number) % len(schools)]["email"]
            return await client.post(
                "/api/v1/auth/login", json={"email": email, "password": password}
            )

        return login_step

    quiet = loaded = logins = None
    for n_round in range(rounds):
        order = ("quiet", "loaded") if n_round % 2 == 0 else ("loaded", "quiet")
        for kind in order:
            if kind == "quiet":
                result = await driver.run("browse", api_urls, browse_step, BROWSE_CLIENTS, seconds)
                quiet = result if quiet is None else quiet.merge(result)
                log(f"  browse alone: p95 {result.percentile(95):.1f} ms")
                continue
            stop = asyncio.Event()
            browse_task = asyncio.create_task(
                driver.run("browse+logins", api_urls, browse_step, BROWSE_CLIENTS, seconds)
            )
            login_task = asyncio.create_task(
                driver.run(
                    "logins",
                    api_urls,
                    login_step_for([0]),
                    LOGIN_CLIENTS,
                    seconds + 5,
                    warmup=0.5,
                    stop=stop,
                )
            )
            result = await browse_task
            stop.set()
            login_result = await login_task
            loaded = result if loaded is None else loaded.merge(result)
            logins = login_result if logins is None else logins.merge(login_result)
            log(
                f"  browse with logins: p95 {result.percentile(95):.1f} ms; "
                f"logins {login_result.rps:.1f}/s, errors {login_result.errors}"
            )
    ratio = loaded.percentile(95) / quiet.percentile(95) if quiet.count else None
    return {
        "browse_clients": BROWSE_CLIENTS,
        "login_clients": LOGIN_CLIENTS,
        "browse_alone": quiet.summary(),
        "browse_with_logins": loaded.summary(),
        "logins": logins.summary(),
        "p95_ratio": round(ratio, 2) if ratio else None,
    }


async def scenario_rush(api_urls, database_url, services, tokens, campaign_id, seconds) -> dict:
    conn = await asyncpg.connect(database_url)
    try:
        hot = [
            str(r["id"])
            for r in await conn.fetch(
                "SELECT id FROM placement_request WHERE campaign_id = $1 "
                "AND state IN ('open', 'invited') ORDER BY created_at LIMIT $2",
                campaign_id,
                RUSH_HOT_REQUESTS,
            )
        ]
        phases = await conn.fetch(
            "SELECT track, request_deadline < now() AND now() < decision_deadline AS deciding "
            "FROM campaign"
        )
    finally:
        await conn.close()
    if not all(p["deciding"] for p in phases):
        raise RuntimeError("the campaigns are not in their decision phase")
    rng = random.Random(8)
    targets: dict[int, str | None] = {}
    acceptance = {
        "notes": "Kennismakingsgesprek goed verlopen; start volgens planning.",
        "contact_person": {
            "name": "An Peeters",
            "phone": "+3250123456",
            "email": "an.peeters@dienst.example.be",
        },
    }

    async def step(client, number):
        headers = bearer(tokens[number])
        target = targets.get(number)
        if target is None:
            # Invite a pupil (others may be inviting the same one)...
            target = rng.choice(hot)
            response = await client.post(
                f"/api/v1/placement-requests/{target}/invitations", headers=headers
            )
            targets[number] = target if response.status_code in (200, 201) else None
            return response
        # ... then accept it: one of the services that invited wins.
        targets[number] = None
        return await client.post(
            f"/api/v1/placement-requests/{target}/acceptance", headers=headers, json=acceptance
        )

    def classify(response: httpx.Response) -> str:
        if response.status_code < 400:
            return "ok"
        code = driver.problem_code(response)
        if response.status_code == 409 and code in EXPECTED_CONFLICTS:
            return "expected"
        if (
            response.status_code == 404
            and code in EXPECTED_GONE
            and response.request.url.path.endswith("/invitations")
        ):
            return "expected"
        return "error"

    result = await driver.run("rush", api_urls, step, len(services), seconds, classify=classify)
    conn = await asyncpg.connect(database_url)
    try:
        doubles = await conn.fetchval(
            "SELECT count(*) FROM (SELECT request_id FROM acceptance WHERE released_at IS NULL "
            "GROUP BY request_id HAVING count(*) > 1) AS twice"
        )
        inconsistent = await conn.fetchval(
            "SELECT count(*) FROM placement_request r WHERE r.state = 'accepted' AND NOT EXISTS "
            "(SELECT 1 FROM acceptance a WHERE a.request_id = r.id AND a.released_at IS NULL "
            "AND a.service_id = r.accepted_service_id)"
        )
        accepted = await conn.fetchval("SELECT count(*) FROM acceptance WHERE released_at IS NULL")
        overbooked = await conn.fetchval(
            "SELECT count(*) FROM service_capacity sc WHERE sc.used > sc.capacity OR sc.used <> "
            "(SELECT count(*) FROM placement_request r WHERE r.accepted_service_id = "
            "sc.service_id AND r.campaign_id = sc.campaign_id AND r.state = 'accepted')"
        )
    finally:
        await conn.close()
    return {
        "services": len(services),
        "hot_requests": len(hot),
        "result": result.summary(),
        "database": {
            "acceptances": accepted,
            "requests_accepted_twice": doubles,
            "accepted_without_matching_acceptance": inconsistent,
            "capacities_wrong": overbooked,
        },
    }


# --- the report -------------------------------------------------------------------------------


def machine() -> dict:
    postgres = subprocess.run(  # noqa: S603
        ["psql", f"{SERVER}/postgres", "-tAc", "SHOW server_version"],  # noqa: S607
        capture_output=True,
        text=True,
    ).stdout.strip()
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgres": postgres,
        "platform": platform.platform(),
        "commit": subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip(),
    }


async def scenarios_against_baseline(api, baseline, seeded: dict, args) -> dict:
    """Scenarios 1, 2 and 4: the API's lists against the baseline's, and logins under load."""
    password = seeded["password"]
    # The browse scenario's services: the first ones whose page within BROWSE_KM is full.
    candidates = seeded["services"][:30]
    candidate_tokens = await login_all(api.url, [s["email"] for s in candidates], password)
    browse_services, browse_tokens = [], []
    for service, token in zip(candidates, candidate_tokens, strict=True):
        page = await fetch_json(api.url, BROWSE_PATH, bearer(token))
        if page["total"] >= 50 and len(browse_services) < BROWSE_CLIENTS:
            browse_services.append(service)
            browse_tokens.append(token)
    school = seeded["schools"][0]
    (school_token,) = await login_all(api.url, [school["email"]], password)

    log(f"scenario 1: browse ({BROWSE_CLIENTS} clients, {len(browse_services)} services)")
    browse = await scenario_browse(
        api, baseline, browse_services, browse_tokens, args.seconds, args.rounds
    )
    log("scenario 2: school overview (200 requests)")
    overview = await scenario_overview(
        api, baseline, school, school_token, args.seconds, args.rounds
    )
    log(f"scenario 4: browse with {LOGIN_CLIENTS} clients logging in")
    logins = await scenario_logins(
        api.urls,
        browse_tokens,
        seeded["schools"],
        password,
        args.seconds,
        max(2, args.rounds - 1),
    )
    return {"browse": browse, "overview": overview, "logins": logins}


async def main(args: argparse.Namespace) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    database_url = f"{SERVER}/{args.database}"
    use_redis = not args.no_redis and await redis_answers()
    env = server_env(database_url, use_redis, args.port)
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "replicas": args.replicas,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "redis": use_redis,
            "database": args.database,
        },
    }
    log(f"database {args.database}: dropping and creating")
    await recreate_database(args.database)
    run_command([str(BIN / "stagematch"), "migrate"], env)
    seed_file = RESULTS / "seed.json"
    t0 = time.monotonic()
    run_command([str(BIN / "python"), "-m", "bench.seed", str(seed_file)], env)
    # Planner statistics, as autovacuum would gather them on a live database.
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    report["seed_seconds"] = round(time.monotonic() - t0, 1)
    seeded = json.loads(seed_file.read_text())
    api = Replicas(
        "api",
        lambda port: [
            *(str(BIN / "stagematch"), "serve", "--host", "127.0.0.1", "--port", str(port)),
        ],
        env,
        args.port,
        args.replicas,
        "/readyz",
    )
    baseline = Replicas(
        "baseline",
        lambda port: [
            *(str(BIN / "python"), "-m", "uvicorn", "bench.baseline:app"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--no-access-log", "--log-level", "warning"),
        ],
        env,
        args.port + 1,
        args.replicas,
        "/healthz",
    )
    report["commands"] = {
        "api": " ".join(api.args[0:1]).replace(str(ROOT) + "/", "") + " " + " ".join(api.args[1:]),
        "baseline": "python " + " ".join(baseline.args[1:]),
    }
    try:
        api.start()
        if not args.only_rush:
            baseline.start()
        await api.wait_ready()
        password = seeded["password"]
        services = seeded["services"]
        if not args.only_rush:
            await baseline.wait_ready()
            report.update(await scenarios_against_baseline(api, baseline, seeded, args))
        log(f"scenario 3: decision-deadline rush ({len(services)} services, {args.rush_seconds} s)")
        rush_tokens = await login_all(api.url, [s["email"] for s in services], password)
        report["rush"] = await scenario_rush(
            api.urls,
            database_url,
            services,
            rush_tokens,
            seeded["campaigns"]["duaal"],
            args.rush_seconds,
        )
        report["api_log_errors"] = sum(
            count_log_errors(RESULTS / f"{server.name}.log") for server in api.servers
        )
    finally:
        api.stop()
        baseline.stop()
    report["total_seconds"] = round(time.monotonic() - started, 1)
    return report


def count_log_errors(path: Path) -> int:
    errors = 0
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") in ("ERROR", "CRITICAL"):
            errors += 1
    return errors


def cli() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="stagematch_bench")
    parser.add_argument(
        "--replicas", type=int, default=2, help="processes of the API, and of the baseline"
    )
    parser.add_argument("--seconds", type=float, default=10, help="one measuring window")
    parser.add_argument("--rounds", type=int, default=3, help="windows per side and scenario")
    parser.add_argument("--rush-seconds", type=float, default=RUSH_SECONDS)
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/PERFORMANCE.md")
    parser.add_argument(
        "--only-rush",
        action="store_true",
        help="run only scenario 3, the decision-deadline rush (no baseline; implies --no-docs)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=API_PORT,
        help="the API's first port (replicas every other port; the baseline's from the next)",
    )
    args = parser.parse_args()
    report = asyncio.run(main(args))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps(report, indent=2))
    log(f"results: {out.relative_to(ROOT)}")
    if not (args.no_docs or args.only_rush):
        from bench.report import write

        path = write(report, argv=sys.argv[1:])
        log(f"wrote {path.relative_to(ROOT)}")
    failures = verdict(report)
    for failure in failures:
        log(f"NOT MET: {failure}")
    log(f"done in {report['total_seconds']} s")
    return 0


def verdict(report: dict) -> list[str]:
    """What the run did not show (printed; the report states it too)."""
    failures = []
    for name in ("browse", "overview"):
        if name not in report:  # (--only-rush)
            continue
        scenario = report[name]
        if not all(c["same_ids_and_order"] for c in scenario["checks"]):
            failures.append(f"{name}: the baseline's page differs from the API's")
        for key, value in scenario["ratios"].items():
            if value is None or value < GOAL_RATIO:
                failures.append(f"{name}: {key} ratio {value} < {GOAL_RATIO}")
    if "logins" in report and (report["logins"]["p95_ratio"] or 99) > LOGIN_GOAL:
        failures.append(f"logins: browse p95 ratio {report['logins']['p95_ratio']} > {LOGIN_GOAL}")
    rush = report["rush"]
    if rush["result"]["errors"]:
        failures.append(f"rush: {rush['result']['errors']} errors")
    if any(
        rush["database"][k]
        for k in (
            "requests_accepted_twice",
            "accepted_without_matching_acceptance",
            "capacities_wrong",
        )
    ):
        failures.append(f"rush: database check failed: {rush['database']}")
    return failures


if __name__ == "__main__":
    sys.exit(cli())

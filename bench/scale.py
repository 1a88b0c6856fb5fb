"""`make bench-scale`: does a list get slower as the platform grows? (issue 17)

For each size (10,000, 100,000 and 1,000,000 requests by default), on PostgreSQL:

1. drops and creates the database `<--database>_<size>` (`stagematch_scale_<size>`),
   migrates it and seeds it (`python -m bench.seed OUT N`: one campaign per track, 500
   schools per 10,000 requests, the same 150 services; COPY in chunks) at the revision
   before 0014, then migrates to head (the lists' indexes built concurrently on the
   full table, timed), then ANALYZE;
2. starts one API per size and measures each list variant with one client signed in,
   sequential requests, the sizes taking turns: the median of `--samples` after 3 unmeasured;
3. at the largest size: the benchmark's browse and overview scenarios against the baseline
   (bench/run.py, API and baseline windows alternated) and the decision-deadline rush.

Writes bench/results/scale-<time>.json and its section of docs/PERFORMANCE.md.

    .venv/bin/python -m bench.scale [--sizes 10000,100000,1000000] [--samples 30] [--no-docs]
        [--database stagematch_scale]
"""

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from bench import run
from bench.report import SCALE_END, SCALE_START, write_scale

DATABASE = "stagematch_scale"
SIZES = (10_000, 100_000, 1_000_000)
# Within the bounds the issue sets: every browse variant at the largest size within 1.5x its
# median at the smallest; the school's overview flat too.
GROWTH_GOAL = 1.5
# And the benchmark's ratios against the baseline at the largest size at least this.
RATIO_GOAL = 0.6
# A word of the free-text search: a city name, as a service looks for pupils near a town
# (about 1 % of the seeded requests, at every size).
SEARCH_WORD = "brugge"
DEEP_PAGE = 20
# A pupil's name (1 match at 10,000 requests, 111 at 1,000,000: Leerling4711, 47110...).
PUPIL = "leerling4711"
SCALE_REVISION = "0014"
LIST = "/api/v1/placement-requests"
# One API per size while the growth table is measured (the scenarios' ports follow bench/run).
GROWTH_PORT = 8721

VARIANTS = (
    ("browse_km", "browse within 25 km", f"?max_km={run.BROWSE_KM}&page_size=50"),
    ("browse_all", "browse, all", "?page_size=50"),
    ("browse_q", f"browse with `q={SEARCH_WORD}`", f"?q={SEARCH_WORD}&page_size=50"),
    ("browse_name", f"browse with `q={PUPIL}`", f"?q={PUPIL}&page_size=50"),
    ("browse_deep", f"browse, page {DEEP_PAGE}", f"?page={DEEP_PAGE}&page_size=50"),
    ("browse_sync", "a sync's first page", "?sort=updated&page_size=50"),
    ("overview", "school overview, 200", "?page_size=200"),
    (
        "browse_nearest",
        "browse within 25 km, nearest first",
        f"?max_km={run.BROWSE_KM}&sort=distance&page_size=50",
    ),
    ("browse_fit", "browse, best fit first", "?sort=fit&page_size=50"),
    # The same, by a service that states what fits it (`PREFERENCES`): about one pupil in ten
    # meets all of it, so the ties at its postcode's best score are fewer and sparser.
    ("browse_fit_stated", "browse, best fit first, with preferences", "?sort=fit&page_size=50"),
)
# What the second signed-in service states for `browse_fit_stated` (the seed's pupils have
# two to four weekdays, one to three ways of coming, 16 to 35 hours, a start in February or
# March 2027).
PREFERENCES = {
    "days": ["mon", "tue", "wed", "thu"],
    "transport_modes": ["bike", "public_transport"],
    "hours_per_week_min": 16,
    "hours_per_week_max": 28,
    "start_from": "2027-02-01",
    "start_until": "2027-03-01",
    "max_distance_km": 30,
}


def log(message: str) -> None:
    print(f"[scale {datetime.now():%H:%M:%S}] {message}", flush=True)


async def interleaved(targets: list[tuple[str, str]], path: str, samples: int) -> list[dict]:
    """For each (base URL, token) of `targets` (one API per size), the median (and spread) of
    `samples` requests of `path`, after 3 unmeasured: the sizes take turns, request by
    request, so that a change in the machine's load falls on all of them alike."""
    times: list[list[float]] = [[] for _ in targets]
    bodies: list[dict] = [{} for _ in targets]
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=60))
            for url, _ in targets
        ]
        for n in range(samples + 3):
            for k, (client, (_, token)) in enumerate(zip(clients, targets, strict=True)):
                started = time.perf_counter()
                response = await client.get(path, headers=run.bearer(token))
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                bodies[k] = response.json()
                if n >= 3:
                    times[k].append(elapsed)
    results = []
    for measured, body in zip(times, bodies, strict=True):
        ordered = sorted(measured)
        results.append(
            {
                "median_ms": round(statistics.median(measured), 1),
                "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
                "items": len(body.get("items", [])),
                "total": body.get("total"),
                "total_is_estimate": body.get("total_is_estimate"),
            }
        )
    return results


def before_scale_indexes() -> str:
    """The revision before the one that builds the lists' indexes (0014)."""
    from alembic.script import ScriptDirectory

    from backend.db import alembic_config

    revision = ScriptDirectory.from_config(alembic_config()).get_revision(SCALE_REVISION)
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])  # noqa: ASYNC240 (procfs)


def database_of(size: int) -> str:
    return f"{_database[0]}_{size}"


_database = [DATABASE]  # --database


def api_command(port: int) -> list[str]:
    return [str(run.BIN / "stagematch"), "serve", "--host", "127.0.0.1", "--port", str(port)]


async def prepare(size: int, use_redis: bool) -> dict:
    """A fresh database of `size` requests, migrated and analysed."""
    database_url = f"{run.SERVER}/{database_of(size)}"
    env = run.server_env(database_url, use_redis)
    result: dict = {"requests": size, "load_before": loadavg()}
    log(f"{size:,} requests: database {database_of(size)}")
    await run.recreate_database(database_of(size))
    # Seeded before the indexes of issue 17, which the last migration then builds on the full
    # table, concurrently, as it would on a live database: its time is measured too.
    stagematch = str(run.BIN / "stagematch")
    run.run_command([stagematch, "migrate", "--revision", before_scale_indexes()], env)
    seed_file = run.RESULTS / f"scale-seed-{size}.json"
    started = time.monotonic()
    run.run_command([str(run.BIN / "python"), "-m", "bench.seed", str(seed_file), str(size)], env)
    result["seed_seconds"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    run.run_command([stagematch, "migrate"], env)
    result["index_migration_seconds"] = round(time.monotonic() - started, 1)
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    result["load_after"] = loadavg()
    return {
        "result": result,
        "env": env,
        "url": database_url,
        "seeded": json.loads(seed_file.read_text()),
    }


async def sign_in(url: str, seeded: dict) -> dict:
    """Tokens of the services whose page within 25 km is full (the first 8 of the first 30),
    and of the school with 200 requests."""
    password = seeded["password"]
    candidates = seeded["services"][:30]
    tokens = await run.login_all(url, [s["email"] for s in candidates], password)
    services, service_tokens = [], []
    for service, token in zip(candidates, tokens, strict=True):
        page = await run.fetch_json(url, run.BROWSE_PATH, run.bearer(token))
        if page["total"] >= 50 and len(services) < run.BROWSE_CLIENTS:
            services.append(service)
            service_tokens.append(token)
    school = seeded["schools"][0]
    (school_token,) = await run.login_all(url, [school["email"]], password)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        stated = await client.put(
            f"/api/v1/organisations/{services[1]['id']}/preferences",
            json=PREFERENCES,
            headers=run.bearer(service_tokens[1]),
        )
        stated.raise_for_status()
    return {
        "services": services,
        "service_tokens": service_tokens,
        "school": school,
        "school_token": school_token,
    }


async def growth_table(args: argparse.Namespace, prepared: list[dict]) -> None:
    """Every variant at every size: one API per size, measured in turns."""
    servers = [
        run.Server(
            f"scale-api-{p['result']['requests']}", api_command(port), p["env"], port, "/readyz"
        )
        for p, port in zip(
            prepared, range(GROWTH_PORT, GROWTH_PORT + 2 * len(prepared), 2), strict=True
        )
    ]
    try:
        for server in servers:
            server.start()
        for server in servers:
            await server.wait_ready()
        signed = [
            await sign_in(server.url, p["seeded"])
            for server, p in zip(servers, prepared, strict=True)
        ]
        for p in prepared:
            p["result"]["variants"] = {}
        for key, label, query in VARIANTS:
            targets = [
                (
                    server.url,
                    s["school_token"]
                    if key == "overview"
                    else s["service_tokens"][1 if key == "browse_fit_stated" else 0],
                )
                for server, s in zip(servers, signed, strict=True)
            ]
            measured = await interleaved(targets, LIST + query, args.samples)
            for p, m in zip(prepared, measured, strict=True):
                p["result"]["variants"][key] = m
            log(f"  {label}: " + ", ".join(f"{m['median_ms']} ms" for m in measured))
    finally:
        for server in servers:
            server.stop()


async def against_the_baseline(args: argparse.Namespace, largest: dict) -> None:
    """The benchmark's browse and overview scenarios against the baseline, then the rush, on
    the largest database."""
    result, env, seeded = largest["result"], largest["env"], largest["seeded"]
    api = run.Replicas("scale-api", api_command, env, run.API_PORT, args.replicas, "/readyz")
    baseline = run.Replicas(
        "scale-baseline",
        lambda port: [
            *(str(run.BIN / "python"), "-m", "uvicorn", "bench.baseline:app"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--no-access-log", "--log-level", "warning"),
        ],
        env,
        run.BASELINE_PORT,
        args.replicas,
        "/healthz",
    )
    try:
        api.start()
        baseline.start()
        await api.wait_ready()
        await baseline.wait_ready()
        signed = await sign_in(api.url, seeded)
        log("  browse against the baseline")
        result["browse"] = await run.scenario_browse(
            api, baseline, signed["services"], signed["service_tokens"], args.seconds, args.rounds
        )
        log(f"  ratios {result['browse']['ratios']}")
        log("  overview against the baseline")
        result["overview"] = await run.scenario_overview(
            api, baseline, signed["school"], signed["school_token"], args.seconds, args.rounds
        )
        log(f"  ratios {result['overview']['ratios']}")
        services = seeded["services"]
        log(f"  rush ({len(services)} services, {args.rush_seconds} s)")
        rush_tokens = await run.login_all(
            api.url, [s["email"] for s in services], seeded["password"]
        )
        result["rush"] = await run.scenario_rush(
            api.urls,
            largest["url"],
            services,
            rush_tokens,
            seeded["campaigns"]["duaal"],
            args.rush_seconds,
        )
        log(f"  rush: {result['rush']['result']['errors']} errors, {result['rush']['database']}")
    finally:
        api.stop()
        baseline.stop()


async def main(args: argparse.Namespace) -> dict:
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": run.machine(),
        "settings": {
            "samples": args.samples,
            "replicas": args.replicas,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "rush_seconds": args.rush_seconds,
        },
    }
    use_redis = await run.redis_answers()
    prepared = [await prepare(size, use_redis) for size in sorted(args.sizes)]
    report["load_measuring"] = [loadavg()]
    log("every variant at every size, in turns")
    await growth_table(args, prepared)
    log(f"{prepared[-1]['result']['requests']:,} requests: against the baseline, then the rush")
    await against_the_baseline(args, prepared[-1])
    report["load_measuring"].append(loadavg())
    report["sizes"] = [p["result"] for p in prepared]
    report["total_seconds"] = round(time.monotonic() - started, 1)
    return report


# --- the report -------------------------------------------------------------------------------


def growth(report: dict) -> dict[str, float]:
    """Each variant's median at the largest size over its median at the smallest."""
    first, last = report["sizes"][0]["variants"], report["sizes"][-1]["variants"]
    return {key: round(last[key]["median_ms"] / first[key]["median_ms"], 2) for key, *_ in VARIANTS}


def render(report: dict) -> str:
    sizes = report["sizes"]
    m, s = report["machine"], report["settings"]
    ratios = growth(report)
    last = sizes[-1]
    over = [f"{label}: {ratios[key]}x" for key, label, _ in VARIANTS if ratios[key] > GROWTH_GOAL]
    header = "| requests | " + " | ".join(label for _, label, _ in VARIANTS) + " |"
    lines = [
        SCALE_START,
        "## Scale: the lists as the platform grows",
        "",
        "Written by `make bench-scale` (`bench/scale.py`, issue 17); `make bench` keeps this "
        "section.",
        "",
        f"- **Run**: {report['date']} (UTC), commit `{m['commit']}`, "
        f"{report['total_seconds']} s in all; nproc {m['nproc']}, PostgreSQL {m['postgres']}.",
        "- **Load**: the 1-minute load average while seeding ("
        + ", ".join(
            f"{size['requests']:,}: {size['load_before']} to {size['load_after']}" for size in sizes
        )
        + f") and when measuring began and ended ({report['load_measuring'][0]} to "
        f"{report['load_measuring'][-1]}); 2 cores, so above 2 other jobs competed for them.",
        "- **Data**: `bench.seed` with `requests=N`: one campaign per track, both in their "
        "decision phase, 500 schools per 10,000 requests (the first with 200), the same 150 "
        "services, 20 % of the requests invited; a fresh database per size, seeded with COPY "
        "("
        + ", ".join(f"{size['requests']:,}: {size['seed_seconds']} s" for size in sizes)
        + "), then migrated to head: the lists' indexes (migrations 0014 to 0017, CREATE "
        "INDEX CONCURRENTLY) built on the full table ("
        + ", ".join(f"{size['requests']:,}: {size['index_migration_seconds']} s" for size in sizes)
        + "), then ANALYZE.",
        "- **Method**: one API per size (one process each, the databases side by side), one "
        "client signed in as a service (the school for the overview), sequential requests over "
        f"loopback, the sizes taking turns request by request (so that the machine's load "
        f"falls on all alike); median of {s['samples']} after 3 unmeasured. Every browse page "
        "holds 50 requests, newest first unless said, distances from the service's postcode.",
        "",
        "```sh",
        "make bench-scale    # = .venv/bin/python -m bench.scale",
        "```",
        "",
        "### Median latency (ms) by size",
        "",
        header,
        "|" + " --- |" * (len(VARIANTS) + 1),
        *(
            f"| {size['requests']:,} | "
            + " | ".join(str(size["variants"][key]["median_ms"]) for key, *_ in VARIANTS)
            + " |"
            for size in sizes
        ),
        f"| growth ({sizes[-1]['requests']:,} ÷ {sizes[0]['requests']:,}) | "
        + " | ".join(f"{ratios[key]}x" for key, *_ in VARIANTS)
        + " |",
        "",
        "Totals shown at the largest size: "
        + ", ".join(
            f"{label} {last['variants'][key]['total']}"
            + (" (more than)" if last["variants"][key]["total_is_estimate"] else "")
            for key, label, _ in VARIANTS
            if last["variants"][key]["total"] is not None  # a sync's page has no total
        )
        + ".",
        "",
        f"- goal: every variant within {GROWTH_GOAL}x of its median at "
        f"{sizes[0]['requests']:,}: " + (f"**not met** ({', '.join(over)})" if over else "met"),
        "",
    ]
    lines += [
        "Reading the table: a page and its total are one reading of the first 1,001 matches "
        "in the list's order (`reading/view.py`, `page_query`); newest first it walks "
        "`ix_placement_request_created_at` and stops, so browsing all, within 25 km and a "
        "deep page (inside those 1,001) cost the same at every size, and so does the "
        "school's overview. A text search counts to 100 (`SEARCH_TOTAL_BOUND`) and matches "
        "each kind of word through its own index (`lists/search.py`): a town's name walks "
        "`ix_placement_request_city_created_at` in the list's order and stops, and a "
        "pupil's name is looked up as a word prefix in the full-text index "
        "(`ix_placement_request_search`), which holds each word once (it matches 1 request "
        "at 10,000 and 111 at 1,000,000: Leerling4711, 47110, ...). Nearest first reads the "
        "GiST index of the requests' points (`ix_placement_request_position`) in order of "
        "distance and stops after 1,001 (and the requests as near as the last: at 1,000,000 "
        "the nearest postcode alone holds about 1,800). Best fit first reads postcode by "
        "postcode, nearest first, each postcode's newest through "
        "`ix_placement_request_postcode_created_at`, until no unread request can score onto "
        "the page (the bench's services state no preferences: the 50 newest at their own "
        "postcode). A sync reads "
        "`ix_placement_request_updated_at_id` from its position. docs/DECISIONS.md, "
        '"Lists that stay flat as the platform grows", and the sections after it.',
        "",
    ]
    short = [
        f"{scenario} {kind} {value}"
        for scenario in ("browse", "overview")
        if scenario in last
        for kind, value in last[scenario]["ratios"].items()
        if value is not None and value < RATIO_GOAL
    ]
    if "browse" in last:
        lines += [
            f"### Against the baseline at {last['requests']:,} requests",
            "",
            "The benchmark's scenarios 1 and 2 (8 clients, API and baseline windows of "
            f"{s['seconds']:g} s alternated, {s['rounds']} of each) on the same database: the "
            "baseline has the same indexes and the same settings (no parallel workers).",
            "",
            run_table(last),
            "",
            f"- goal: every ratio at least {RATIO_GOAL}: "
            + (f"**not met** ({', '.join(short)})" if short else "met"),
            "",
        ]
    if "rush" in last:
        rush = last["rush"]
        r = rush["result"]
        db = rush["database"]
        ok = not r["errors"] and not db["requests_accepted_twice"]
        lines += [
            f"### The decision-deadline rush at {last['requests']:,} requests",
            "",
            f"{rush['services']} services, {s['rush_seconds']:g} s (bench/run.py's scenario 3): "
            f"{r['requests']} answers, {r['rps']} req/s, p50 {r['p50_ms']} ms, p95 "
            f"{r['p95_ms']} ms; statuses {r['statuses']}; errors **{r['errors']}**; requests "
            f"accepted twice **{db['requests_accepted_twice']}**; accepted without their "
            f"acceptance {db['accepted_without_matching_acceptance']}; capacity counters wrong "
            f"{db['capacities_wrong']}: " + ("met" if ok else "**not met**") + ".",
            "",
            f"Answers by code: {r['codes']}."
            + (
                " A `503 service_unavailable` is a write that waited longer than "
                "`DB_POOL_TIMEOUT_SECONDS` (20 s) for a database connection: 150 writers on 2 "
                "cores, each write waiting its turn on the pupil's row."
                if "503" in r["statuses"]
                else ""
            ),
            "",
        ]
    lines += [SCALE_END, ""]
    return "\n".join(lines)


def run_table(size: dict) -> str:
    rows = [
        "| scenario | API req/s | baseline req/s | API p50 ms | baseline p50 ms | "
        "throughput ratio | latency ratio | same page |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in ("browse", "overview"):
        scenario = size[name]
        a, b, r = scenario["api"], scenario["baseline"], scenario["ratios"]
        same = all(c["same_ids_and_order"] and c["same_total"] for c in scenario["checks"])
        rows.append(
            f"| {name} | {a['rps']} | {b['rps']} | {a['p50_ms']} | {b['p50_ms']} | "
            f"**{r['throughput']}** | **{r['median_latency']}** | {'yes' if same else 'no'} |"
        )
    return "\n".join(rows)


def cli() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part) for part in text.split(",")],
        default=list(SIZES),
    )
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8, help="one window against the baseline")
    # Four windows per side: with two, the baseline's throughput alone moved between runs from
    # 177 to 228 req/s on this machine, more than the changes a ratio is meant to show.
    parser.add_argument("--rounds", type=int, default=4, help="windows per side and scenario")
    parser.add_argument("--rush-seconds", type=float, default=run.RUSH_SECONDS)
    parser.add_argument(
        "--database", default=DATABASE, help="the databases' names: <database>_<size>"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/PERFORMANCE.md")
    args = parser.parse_args()
    _database[0] = args.database
    report = asyncio.run(main(args))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = run.RESULTS / f"scale-{stamp}.json"
    out.write_text(json.dumps(report, indent=2))
    log(f"results: {out.relative_to(run.ROOT)}")
    if not args.no_docs:
        path = write_scale(render(report))
        log(f"wrote {path.relative_to(run.ROOT)}")
    log(f"growth {growth(report)}; done in {report['total_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(cli())

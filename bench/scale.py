"""`make bench-scale`: does a list get slower as the platform grows? (issue 17)

For each size (10,000, 100,000 and 1,000,000 requests by default), on PostgreSQL:

1. drops and creates the database `stagematch_scale`, migrates it and seeds it
   (`python -m bench.seed OUT N`: one campaign per track, 500 schools per 10,000 requests,
   the same 150 services; COPY in chunks) at the revision before 0008_scale, then migrates
   to head (the lists' indexes built concurrently on the full table, timed), then ANALYZE;
2. starts the API (2 single-process replicas) and, at the largest size, the baseline;
3. measures each list variant with one client signed in, sequential requests: the median of
   `--samples` after a few unmeasured ones;
4. at the largest size: the benchmark's browse and overview scenarios against the baseline
   (bench/run.py, same windows) and the decision-deadline rush.

Writes bench/results/scale-<time>.json and its section of docs/PERFORMANCE.md.

    .venv/bin/python -m bench.scale [--sizes 10000,100000,1000000] [--samples 30] [--no-docs]
"""

import argparse
import asyncio
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
# A word of the free-text search: a city name, as a service looks for pupils near a town
# (about 1 % of the seeded requests, at every size).
SEARCH_WORD = "brugge"
DEEP_PAGE = 20
# A pupil's name (1 match at 10,000 requests, 111 at 1,000,000: Leerling4711, 47110...).
PUPIL = "leerling4711"
SCALE_REVISION = "0008_scale"
LIST = "/api/v1/placement-requests"

VARIANTS = (
    ("browse_km", "browse within 25 km", f"?max_km={run.BROWSE_KM}&page_size=50"),
    ("browse_all", "browse, all", "?page_size=50"),
    ("browse_q", f"browse with `q={SEARCH_WORD}`", f"?q={SEARCH_WORD}&page_size=50"),
    ("browse_name", f"browse with `q={PUPIL}`", f"?q={PUPIL}&page_size=50"),
    ("browse_deep", f"browse, page {DEEP_PAGE}", f"?page={DEEP_PAGE}&page_size=50"),
    ("overview", "school overview, 200", "?page_size=200"),
)
# Measured and shown, outside the goal: nearest first sorts every request within the radius.
EXTRA = (
    (
        "browse_nearest",
        "browse within 25 km, nearest first",
        f"?max_km={run.BROWSE_KM}&sort=distance&page_size=50",
    ),
)


def log(message: str) -> None:
    print(f"[scale {datetime.now():%H:%M:%S}] {message}", flush=True)


async def sequential(base_url: str, path: str, token: str, samples: int) -> dict:
    """The median (and spread) of `samples` requests one after the other, after 3 unmeasured."""
    times: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        body: dict = {}
        for n in range(samples + 3):
            started = time.perf_counter()
            response = await client.get(path, headers=run.bearer(token))
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            body = response.json()
            if n >= 3:
                times.append(elapsed)
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "items": len(body.get("items", [])),
        "total": body.get("total"),
        "total_is_estimate": body.get("total_is_estimate"),
    }


def before_scale_indexes() -> str:
    """The revision before the one that builds the lists' indexes (0008_scale)."""
    from alembic.script import ScriptDirectory

    from backend.db import alembic_config

    revision = ScriptDirectory.from_config(alembic_config()).get_revision(SCALE_REVISION)
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])  # noqa: ASYNC240 (procfs)


async def one_size(args: argparse.Namespace, size: int, last: bool) -> dict:
    database_url = f"{run.SERVER}/{DATABASE}"
    env = run.server_env(database_url, use_redis=await run.redis_answers())
    result: dict = {"requests": size, "load_before": loadavg()}
    log(f"{size:,} requests: database {DATABASE}")
    await run.recreate_database(DATABASE)
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
    seeded = json.loads(seed_file.read_text())
    api = run.Replicas(
        "scale-api",
        lambda port: [
            str(run.BIN / "stagematch"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env,
        run.API_PORT,
        args.replicas,
        "/readyz",
    )
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
        if last:
            baseline.start()
        await api.wait_ready()
        if last:
            await baseline.wait_ready()
        password = seeded["password"]
        services = seeded["services"]
        # The browse scenario's services: the first ones whose page within 25 km is full.
        candidates = services[:30]
        tokens = await run.login_all(api.url, [s["email"] for s in candidates], password)
        browse_services, browse_tokens = [], []
        for service, token in zip(candidates, tokens, strict=True):
            page = await run.fetch_json(api.url, run.BROWSE_PATH, run.bearer(token))
            if page["total"] >= 50 and len(browse_services) < run.BROWSE_CLIENTS:
                browse_services.append(service)
                browse_tokens.append(token)
        school = seeded["schools"][0]
        (school_token,) = await run.login_all(api.url, [school["email"]], password)
        result["variants"] = {}
        for key, label, query in VARIANTS + EXTRA:
            token = school_token if key == "overview" else browse_tokens[0]
            measured = await sequential(api.url, LIST + query, token, args.samples)
            result["variants"][key] = measured
            log(f"  {label}: median {measured['median_ms']} ms (total {measured['total']})")
        if last:
            log("  browse against the baseline")
            result["browse"] = await run.scenario_browse(
                api, baseline, browse_services, browse_tokens, args.seconds, args.rounds
            )
            log(f"  ratios {result['browse']['ratios']}")
            log("  overview against the baseline")
            result["overview"] = await run.scenario_overview(
                api, baseline, school, school_token, args.seconds, args.rounds
            )
            log(f"  ratios {result['overview']['ratios']}")
            log(f"  rush ({len(services)} services, {args.rush_seconds} s)")
            rush_tokens = await run.login_all(api.url, [s["email"] for s in services], password)
            result["rush"] = await run.scenario_rush(
                api.urls,
                database_url,
                services,
                rush_tokens,
                seeded["campaigns"]["duaal"],
                args.rush_seconds,
            )
            log(
                f"  rush: {result['rush']['result']['errors']} errors, {result['rush']['database']}"
            )
    finally:
        api.stop()
        baseline.stop()
    result["load_after"] = loadavg()
    return result


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
        "sizes": [],
    }
    sizes = sorted(args.sizes)
    for n, size in enumerate(sizes):
        report["sizes"].append(await one_size(args, size, last=n == len(sizes) - 1))
    report["total_seconds"] = round(time.monotonic() - started, 1)
    return report


# --- the report -------------------------------------------------------------------------------


def growth(report: dict) -> dict[str, float]:
    """Each variant's median at the largest size over its median at the smallest."""
    first, last = report["sizes"][0]["variants"], report["sizes"][-1]["variants"]
    return {
        key: round(last[key]["median_ms"] / first[key]["median_ms"], 2)
        for key, *_ in VARIANTS + EXTRA
    }


def render(report: dict) -> str:
    sizes = report["sizes"]
    m, s = report["machine"], report["settings"]
    ratios = growth(report)
    last = sizes[-1]
    shown = VARIANTS + EXTRA
    header = "| requests | " + " | ".join(label for _, label, _ in shown) + " |"
    lines = [
        SCALE_START,
        "## Scale: the lists as the platform grows",
        "",
        "Written by `make bench-scale` (`bench/scale.py`, issue 17); `make bench` keeps this "
        "section.",
        "",
        f"- **Run**: {report['date']} (UTC), commit `{m['commit']}`, "
        f"{report['total_seconds']} s in all; nproc {m['nproc']}, PostgreSQL {m['postgres']}.",
        "- **Load**: the 1-minute load average before and after each size: "
        + ", ".join(
            f"{size['requests']:,}: {size['load_before']} / {size['load_after']}" for size in sizes
        )
        + " (2 cores: above 2, other jobs competed for them).",
        "- **Data**: `bench.seed` with `requests=N`: one campaign per track, both in their "
        "decision phase, 500 schools per 10,000 requests (the first with 200), the same 150 "
        "services, 20 % of the requests invited; a fresh database per size, seeded with COPY "
        "("
        + ", ".join(f"{size['requests']:,}: {size['seed_seconds']} s" for size in sizes)
        + "), then migrated to head: the lists' indexes (migration 0008_scale, CREATE "
        "INDEX CONCURRENTLY) built on the full table ("
        + ", ".join(f"{size['requests']:,}: {size['index_migration_seconds']} s" for size in sizes)
        + "), then ANALYZE.",
        f"- **Method**: one client signed in as a service (the school for the overview), "
        f"sequential requests over loopback to the API ({s['replicas']} replicas, as "
        f"`make bench` runs it), median of {s['samples']} after 3 unmeasured; every browse page "
        "holds 50 requests, newest first, distances from the service's postcode.",
        "",
        "```sh",
        "make bench-scale    # = .venv/bin/python -m bench.scale",
        "```",
        "",
        "### Median latency (ms) by size",
        "",
        header,
        "|" + " --- |" * (len(shown) + 1),
        *(
            f"| {size['requests']:,} | "
            + " | ".join(str(size["variants"][key]["median_ms"]) for key, *_ in shown)
            + " |"
            for size in sizes
        ),
        f"| growth ({sizes[-1]['requests']:,} ÷ {sizes[0]['requests']:,}) | "
        + " | ".join(f"{ratios[key]}x" for key, *_ in shown)
        + " |",
        "",
        "Totals shown at the largest size: "
        + ", ".join(
            f"{label} {last['variants'][key]['total']}"
            + (" (more than)" if last["variants"][key]["total_is_estimate"] else "")
            for key, label, _ in VARIANTS
        )
        + ".",
        "",
        f"- goal: every variant within {GROWTH_GOAL}x of its median at "
        f"{sizes[0]['requests']:,}: "
        + ("met" if all(ratios[key] <= GROWTH_GOAL for key, *_ in VARIANTS) else "**not met**")
        + " ("
        + ", ".join(
            f"{label}: {ratios[key]}x" for key, label, _ in VARIANTS if ratios[key] > GROWTH_GOAL
        )
        + "; the last column, nearest first, is outside the goal)",
        "",
    ]
    if "browse" in last:
        lines += [
            f"### Against the baseline at {last['requests']:,} requests",
            "",
            "The benchmark's scenarios 1 and 2 (8 clients, API and baseline windows of "
            f"{s['seconds']:g} s alternated, {s['rounds']} of each) on the same database: the "
            "baseline has the same indexes.",
            "",
            run_table(last),
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
    parser.add_argument("--rounds", type=int, default=2, help="windows per side and scenario")
    parser.add_argument("--rush-seconds", type=float, default=run.RUSH_SECONDS)
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/PERFORMANCE.md")
    args = parser.parse_args()
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

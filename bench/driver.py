"""A closed-loop HTTP load driver (asyncio + httpx): N clients, each sending its next
request as soon as the previous one answered, for a fixed time.

Every answer is classified by `classify(response)`: "ok", "expected" (a business answer such
as `409 already_accepted`, counted apart) or "error". Transport failures are errors too.
Latencies are kept for ok and expected answers."""

import asyncio
import contextlib
import os
import resource
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Result:
    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    transport_errors: int = 0
    expected: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    driver_cpu_seconds: float = 0.0
    # CPU seconds of the measured window by meter name (the servers', PostgreSQL's).
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def merge(self, other: "Result") -> "Result":
        """This result and `other` as one run (same name, times added)."""
        merged = Result(self.name, self.seconds + other.seconds)
        merged.latencies_ms = self.latencies_ms + other.latencies_ms
        merged.errors = self.errors + other.errors
        merged.transport_errors = self.transport_errors + other.transport_errors
        merged.expected = self.expected + other.expected
        merged.driver_cpu_seconds = self.driver_cpu_seconds + other.driver_cpu_seconds
        for key in {*self.cpu_seconds, *other.cpu_seconds}:
            merged.cpu_seconds[key] = self.cpu_seconds.get(key, 0) + other.cpu_seconds.get(key, 0)
        for mine, theirs, into in (
            (self.statuses, other.statuses, merged.statuses),
            (self.codes, other.codes, merged.codes),
        ):
            for key in {*mine, *theirs}:
                into[key] = mine.get(key, 0) + theirs.get(key, 0)
        return merged

    def summary(self) -> dict:
        return {
            "name": self.name,
            "seconds": round(self.seconds, 1),
            "requests": self.count,
            "errors": self.errors,
            "transport_errors": self.transport_errors,
            "expected": self.expected,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "codes": dict(sorted(self.codes.items())),
            "driver_cpu_seconds": round(self.driver_cpu_seconds, 1),
            # CPU milliseconds per measured request: this process (the load driver) and each
            # meter's processes.
            "cpu_ms_per_request": {
                name: round(seconds * 1000 / self.count, 2) if self.count else None
                for name, seconds in {"driver": self.driver_cpu_seconds, **self.cpu_seconds}.items()
            },
        }


Step = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


def default_classify(response: httpx.Response) -> str:
    return "ok" if response.status_code < 400 else "error"


def problem_code(response: httpx.Response) -> str | None:
    """The `code` of a problem+json answer."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


async def run(
    name: str,
    base_url: str | Sequence[str],
    step: Step,
    clients: int,
    seconds: float,
    classify: Callable[[httpx.Response], str] = default_classify,
    warmup: float = 1.0,
    stop: asyncio.Event | None = None,
    meters: dict[str, Callable[[], float]] | None = None,
) -> Result:
    """Runs `clients` loops of `step(client, client_number)` for `seconds` (after a warm-up
    whose requests are not counted). With several base URLs (the replicas of a server), the
    clients are dealt out over them in turn, as a round-robin proxy would. Setting `stop`
    ends the run early (its time is then the time measured). `meters` read CPU seconds of
    other processes: their difference over the measured window goes to `cpu_seconds`."""
    result = Result(name, seconds)
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    per_url = -(-clients // len(urls))
    limits = httpx.Limits(max_connections=per_url, max_keepalive_connections=per_url)
    async with contextlib.AsyncExitStack() as stack:
        pool = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, timeout=30, limits=limits)
            )
            for url in urls
        ]
        start = time.perf_counter()
        measure_from = start + warmup
        stop_at = measure_from + seconds
        cpu_at_start: list[float] = []
        meters = meters or {}
        meters_at_start: dict[str, float] = {}

        async def loop(number: int) -> None:
            while (now := time.perf_counter()) < stop_at and not (stop and stop.is_set()):
                if now >= measure_from and not cpu_at_start:
                    cpu_at_start.append(_cpu())
                    meters_at_start.update((name, read()) for name, read in meters.items())
                try:
                    response = await step(pool[number % len(pool)], number)
                except httpx.HTTPError as exc:
                    if now >= measure_from:
                        result.errors += 1
                        result.transport_errors += 1
                        name = type(exc).__name__
                        result.codes[name] = result.codes.get(name, 0) + 1
                    await asyncio.sleep(0.01)
                    continue
                done = time.perf_counter()
                if now < measure_from:
                    continue
                result.statuses[response.status_code] = (
                    result.statuses.get(response.status_code, 0) + 1
                )
                kind = classify(response)
                if kind == "error":
                    result.errors += 1
                else:
                    if kind == "expected":
                        result.expected += 1
                    result.latencies_ms.append((done - now) * 1000)
                if response.status_code >= 400:
                    code = problem_code(response) or str(response.status_code)
                    result.codes[code] = result.codes.get(code, 0) + 1

        await asyncio.gather(*(loop(n) for n in range(clients)))
        ended = time.perf_counter()
        if stop and stop.is_set():
            result.seconds = max(0.001, min(ended, stop_at) - measure_from)
        if cpu_at_start:
            result.driver_cpu_seconds = _cpu() - cpu_at_start[0]
            for name, read in meters.items():
                result.cpu_seconds[name] = read() - meters_at_start[name]
    return result


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system, all threads) a process has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU seconds used by the processes named `postgres` (the local server's backends)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += process_cpu(int(entry.name))
            except OSError:
                continue
    return total

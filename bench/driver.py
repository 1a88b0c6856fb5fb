"""A closed-loop HTTP load driver (asyncio + httpx): N clients, each sending its next
request as soon as the previous one answered, for a fixed time."""

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class Result:
    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

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

    def summary(self) -> dict:
        return {
            "name": self.name, "requests": self.count, "errors": self.errors,
            "rps": round(self.rps, 1), "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1), "p99_ms": round(self.percentile(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms
            else None,
            "statuses": self.statuses,
        }


Step = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def run(name: str, base_url: str, step: Step, clients: int, seconds: float,
              ok: Callable[[httpx.Response], bool] = lambda r: r.status_code < 400,
              warmup: float = 1.0) -> Result:
    """Runs `clients` loops of `step(client, client_number)` for `seconds` (after a warm-up
    whose requests are not counted)."""
    result = Result(name, seconds)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        start = time.perf_counter()
        measure_from = start + warmup
        stop_at = measure_from + seconds

        async def loop(number: int) -> None:
            while (now := time.perf_counter()) < stop_at:
                try:
                    response = await step(client, number)
                except httpx.HTTPError:
                    if now >= measure_from:
                        result.errors += 1
                    continue
                done = time.perf_counter()
                if now < measure_from:
                    continue
                result.statuses[response.status_code] = (
                    result.statuses.get(response.status_code, 0) + 1)
                if ok(response):
                    result.latencies_ms.append((done - now) * 1000)
                else:
                    result.errors += 1

        await asyncio.gather(*(loop(n) for n in range(clients)))
    return result

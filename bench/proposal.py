"""The admin's proposal's solver on random data: 1,000 unplaced pupils and 150 care services
spread over Flanders, scored with the one fit score and assigned with the proposal's solver
(backend/admin/proposal.py: `solve`); no database, so that the figure is the solver's.

    PYTHONPATH=. .venv/bin/python -m bench.proposal [--pupils 1000] [--services 150] [--runs 5]

Prints the time to score every pair and to solve, per run, and the median (docs/PERFORMANCE.md,
"The admin's proposal")."""

import argparse
import statistics
import time
from datetime import date, timedelta

import numpy as np

from backend.admin.proposal import solve
from backend.placements import fit

# Flanders' bounding box, roughly (latitude, longitude).
SOUTH, NORTH, WEST, EAST = 50.70, 51.35, 2.55, 5.90


def _preferences(rng: np.random.Generator) -> fit.Preferences:
    """A service that stated what a real one might: often days and a distance, some a period,
    hours and ways of coming."""
    days = frozenset(d for d in fit.DAYS[:5] if rng.random() < 0.7)
    start = date(2027, 1, 1) + timedelta(days=int(rng.integers(0, 120)))
    low = int(rng.integers(8, 24))
    return fit.Preferences(
        days=days,
        hours_min=low if rng.random() < 0.5 else None,
        hours_max=low + 12 if rng.random() < 0.5 else None,
        start_from=start if rng.random() < 0.4 else None,
        start_until=start + timedelta(days=60) if rng.random() < 0.4 else None,
        max_distance_km=float(rng.integers(15, 60)) if rng.random() < 0.8 else None,
        transport_modes=frozenset({"bike", "public_transport"})
        if rng.random() < 0.3
        else frozenset(),
    )


def run(pupils: int, services: int, seed: int) -> tuple[float, float, int, int]:
    """(seconds scoring, seconds solving, pupils proposed, columns of the matrix)."""
    rng = np.random.default_rng(seed)
    latitude = rng.uniform(SOUTH, NORTH, pupils)
    longitude = rng.uniform(WEST, EAST, pupils)
    day_masks = rng.integers(1, 32, pupils)  # Monday to Friday
    transport = rng.integers(1, 16, pupils)
    hours = rng.integers(8, 39, pupils).astype(float)
    start = np.array(
        [
            fit.day_number(date(2027, 1, 1) + timedelta(days=int(d)))
            for d in rng.integers(0, 200, pupils)
        ]
    )
    start[rng.random(pupils) < 0.2] = np.nan
    service_at = np.column_stack(
        (rng.uniform(SOUTH, NORTH, services), rng.uniform(WEST, EAST, services))
    )
    stated = [_preferences(rng) for _ in range(services)]
    # Places left: most services set a capacity (0 to 10 left), a few set none.
    places = [None if rng.random() < 0.1 else int(rng.integers(0, 11)) for _ in range(services)]

    began = time.perf_counter()
    scores = np.zeros((pupils, services), dtype=np.int64)
    feasible = np.zeros((pupils, services), dtype=bool)
    for j in range(services):
        distance = fit.distances_km(latitude, longitude, service_at[j, 0], service_at[j, 1])
        candidates = fit.Candidates(distance, day_masks, hours, start, transport)
        scored = fit.score(candidates, stated[j])
        scores[:, j], feasible[:, j] = scored.score, scored.feasible
    scored_at = time.perf_counter()
    chosen = solve(scores, feasible, places)
    solved_at = time.perf_counter()
    columns = sum(
        min(pupils if left is None else left, int(feasible[:, j].sum()))
        for j, left in enumerate(places)
    )
    return scored_at - began, solved_at - scored_at, int((chosen >= 0).sum()), columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=1000)
    parser.add_argument("--services", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    totals = []
    for seed in range(args.runs):
        scoring, solving, proposed, columns = run(args.pupils, args.services, seed)
        totals.append(scoring + solving)
        print(
            f"run {seed + 1}: scoring {scoring * 1000:.0f} ms, solving {solving * 1000:.0f} ms "
            f"({args.pupils} × {columns} matrix), {proposed} of {args.pupils} pupils proposed"
        )
    print(f"median total: {statistics.median(totals) * 1000:.0f} ms (goal: under 2,000 ms)")


if __name__ == "__main__":
    main()

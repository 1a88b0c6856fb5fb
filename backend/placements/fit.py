"""How well pupils fit a care service: THE fit score (0–100) and its reasons, computed in one
vectorised (numpy) pass over arrays of the candidates' features. The services' browse list
(`sort=fit`) and the admin's proposal both score with `score`, so the rule lives here once
(docs/DECISIONS.md, "How fit is scored").

Five parts, each worth its weight when the service stated it (its preferences, kept on its
profile); the score is the points earned over the weight of the parts that apply, so that a
service that stated only a distance is scored on distance alone:

- distance (40): full points next door, falling linearly to none at the service's maximum
  distance (without one, at DEFAULT_REACH_KM); unknown distance earns nothing;
- days (25): the share of the pupil's days that are days the service can take pupils;
- transport (15): the pupil can come in a way that works for the service;
- hours (10): the pupil's hours per week within the service's range, less per hour outside;
- start (10): the pupil starts within the service's start period, less per week outside.

A pair is *feasible* (the proposal may suggest it) when the pupil lives within the service's
maximum distance and can come in a way that works for it: what the service excludes, the
proposal never suggests; the other parts only lower the score."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from backend.reference.postcodes import _EARTH_RADIUS_KM as EARTH_RADIUS_KM

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TRANSPORT = ("car", "e_bike_moped", "bike", "public_transport")

WEIGHTS = {"distance": 40.0, "days": 25.0, "transport": 15.0, "hours": 10.0, "start": 10.0}
PARTS = tuple(WEIGHTS)
# Without a maximum distance, points fall to none at this distance.
DEFAULT_REACH_KM = 50.0
# Hours per week outside the service's range cost a tenth of the part per hour.
HOURS_SLACK = 10.0
# A start outside the service's period costs the part in full after this many days.
START_SLACK_DAYS = 60.0
_EPOCH = date(1970, 1, 1)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def mask_of(words: Iterable[str], vocabulary: Sequence[str]) -> int:
    """A set of days or modes of transport as a bitmask (bit n: vocabulary[n])."""
    return sum(1 << vocabulary.index(w) for w in set(words) if w in vocabulary)


def words_of(mask: int, vocabulary: Sequence[str]) -> list[str]:
    return [w for n, w in enumerate(vocabulary) if mask >> n & 1]


def day_number(day: date | None) -> float:
    """A date as days since 1970 (NaN for none), for the `start` array."""
    return float("nan") if day is None else float((day - _EPOCH).days)


@dataclass(frozen=True)
class Preferences:
    """What fits a service; None (or an empty set) for what it did not state."""

    days: frozenset[str] = frozenset()
    hours_min: int | None = None
    hours_max: int | None = None
    start_from: date | None = None
    start_until: date | None = None
    max_distance_km: float | None = None
    transport_modes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidates:
    """The features of n pupils, one array each (index i: the i-th pupil)."""

    distance_km: Floats  # NaN: unknown
    days: Ints  # bitmask over DAYS
    hours: Floats
    start: Floats  # days since 1970, NaN: no start date
    transport: Ints  # bitmask over TRANSPORT

    @classmethod
    def from_rows(
        cls,
        distance_km: Iterable[float | None],
        days: Iterable[int],
        hours: Iterable[int],
        start: Iterable[date | None],
        transport: Iterable[int],
    ) -> "Candidates":
        return cls(
            distance_km=np.array([np.nan if d is None else d for d in distance_km], dtype=float),
            days=np.array(list(days), dtype=np.int64),
            hours=np.array(list(hours), dtype=float),
            start=np.array([day_number(s) for s in start], dtype=float),
            transport=np.array(list(transport), dtype=np.int64),
        )


@dataclass(frozen=True)
class Fit:
    """The scores of n pupils for one service (or of n pairs), with each part's points on
    the 0–100 scale (they add up to the score, before rounding)."""

    score: Ints
    points: dict[str, Floats]
    shares: dict[str, Floats]  # each part's share earned, 0–1
    feasible: Bools


_POPCOUNT = np.array([bin(n).count("1") for n in range(128)], dtype=np.int64)


def weighed(preferences: Preferences) -> tuple[str, ...]:
    """The parts weighed for a service, in PARTS' order: the distance always (without a
    stated maximum, against DEFAULT_REACH_KM), each other part when the service stated it."""
    p = preferences
    stated = {
        "distance": True,
        "days": bool(p.days),
        "transport": bool(p.transport_modes),
        "hours": p.hours_min is not None or p.hours_max is not None,
        "start": p.start_from is not None or p.start_until is not None,
    }
    return tuple(part for part in PARTS if stated[part])


def _distance_share(distance_km: Floats, preferences: Preferences) -> Floats:
    """Full next door, none at the reach; none for an unknown distance (NaN)."""
    reach = preferences.max_distance_km or DEFAULT_REACH_KM
    known = ~np.isnan(distance_km)
    share: Floats = np.where(
        known, np.clip(1.0 - np.nan_to_num(distance_km) / reach, 0.0, 1.0), 0.0
    )
    return share


def _points(earned: dict[str, Floats]) -> dict[str, Floats]:
    """Each part's points: its share earned of its weight, over the weight of the parts."""
    total_weight = sum(WEIGHTS[part] for part in earned)
    return {part: share * (WEIGHTS[part] * 100.0 / total_weight) for part, share in earned.items()}


def _rounded(points: dict[str, Floats], n: int) -> Ints:
    # Added part by part in PARTS' order (`best_possible` adds the same way, so that its
    # bound holds to the last bit), then rounded to the score.
    total = sum(points.values(), start=np.zeros(n))
    return np.rint(total).astype(np.int64)


def score(candidates: Candidates, preferences: Preferences) -> Fit:
    """The fit of every candidate for the service of `preferences`, in one pass."""
    c, p = candidates, preferences
    n = len(c.hours)
    parts = weighed(p)
    earned: dict[str, Floats] = {"distance": _distance_share(c.distance_km, p)}
    if "days" in parts:
        wanted = mask_of(p.days, DAYS)
        own = _POPCOUNT[c.days & 127]
        earned["days"] = np.where(own > 0, _POPCOUNT[c.days & wanted] / np.maximum(own, 1), 0.0)
    if "transport" in parts:
        accepted = mask_of(p.transport_modes, TRANSPORT)
        earned["transport"] = ((c.transport & accepted) != 0).astype(float)
    if "hours" in parts:
        low = -np.inf if p.hours_min is None else p.hours_min
        high = np.inf if p.hours_max is None else p.hours_max
        gap = np.maximum(low - c.hours, 0.0) + np.maximum(c.hours - high, 0.0)
        earned["hours"] = np.clip(1.0 - gap / HOURS_SLACK, 0.0, 1.0)
    if "start" in parts:
        low = -np.inf if p.start_from is None else day_number(p.start_from)
        high = np.inf if p.start_until is None else day_number(p.start_until)
        start = np.nan_to_num(c.start, nan=0.0)
        gap = np.maximum(low - start, 0.0) + np.maximum(start - high, 0.0)
        # No start date yet: half the part (it may fit).
        earned["start"] = np.where(
            np.isnan(c.start), 0.5, np.clip(1.0 - gap / START_SLACK_DAYS, 0.0, 1.0)
        )
    points = _points(earned)
    known = ~np.isnan(c.distance_km)
    feasible = np.ones(n, dtype=bool)
    if p.max_distance_km is not None:
        feasible &= known & (np.nan_to_num(c.distance_km, nan=np.inf) <= p.max_distance_km)
    if p.transport_modes:
        feasible &= earned["transport"] > 0
    return Fit(_rounded(points, n), points, earned, feasible)


def best_possible(distance_km: Floats, preferences: Preferences) -> Ints:
    """For each distance, the highest score a candidate at that distance or farther can have
    (NaN: at an unknown distance, where the distance earns nothing): the distance part at
    that distance, every other part weighed in full. Each share is at least the candidate's
    and the points are added alike, so no such candidate's `score` is above it. The browse
    list by fit reads the candidates postcode by postcode, nearest first, and stops once
    this is below its page's last score."""
    n = len(distance_km)
    earned = {part: np.ones(n) for part in weighed(preferences)}
    earned["distance"] = _distance_share(distance_km, preferences)
    return _rounded(_points(earned), n)


def reasons(
    fit: Fit, i: int, candidates: Candidates, preferences: Preferences
) -> list[dict[str, Any]]:
    """The i-th candidate's reasons, strongest first: each part that was weighed, with its
    points (`weight`) and what it is about (km, days, date, modes, hours), so that a client
    can say it in words ("12 km away; Monday and Tuesday fit")."""
    c, p = candidates, preferences
    found: list[dict[str, Any]] = []
    for part, points in fit.points.items():
        reason: dict[str, Any] = {"code": part, "weight": round(float(points[i]), 1)}
        if part == "distance":
            km = c.distance_km[i]
            if np.isnan(km):
                reason["code"] = "distance_unknown"
            else:
                reason["km"] = round(float(km), 1)
                if p.max_distance_km is not None:
                    reason["max_km"] = p.max_distance_km
                    reason["fits"] = bool(km <= p.max_distance_km)
        elif part == "days":
            own = int(c.days[i])
            wanted = mask_of(p.days, DAYS)
            reason["days"] = words_of(own & wanted, DAYS)
            reason["other_days"] = words_of(own & ~wanted, DAYS)
        elif part == "transport":
            own = int(c.transport[i])
            reason["modes"] = words_of(own & mask_of(p.transport_modes, TRANSPORT), TRANSPORT)
            reason["fits"] = bool(points[i] > 0)
            if not np.isnan(c.distance_km[i]):
                reason["km"] = round(float(c.distance_km[i]), 1)
        elif part == "hours":
            reason["hours"] = int(c.hours[i])
            reason["fits"] = bool(fit.shares[part][i] >= 1.0)
        elif part == "start":
            if np.isnan(c.start[i]):
                reason["code"] = "start_unknown"
            else:
                reason["date"] = date.fromordinal(_EPOCH.toordinal() + int(c.start[i])).isoformat()
                reason["fits"] = bool(fit.shares[part][i] >= 1.0)
        found.append(reason)
    found.sort(key=lambda r: -r["weight"])
    return found


def distances_km(
    latitude: Floats, longitude: Floats, lat0: Floats | float, lon0: Floats | float
) -> Floats:
    """Great-circle (haversine) distances between points, broadcast (reference.postcodes'
    formula, vectorised): pupils as a column and services as a row give a matrix."""
    phi1, phi2 = np.radians(latitude), np.radians(lat0)
    half_chord = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon0 - longitude) / 2) ** 2
    )
    result: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, half_chord)))
    return result

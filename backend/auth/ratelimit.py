"""Brute-force limits, all in this one place: which attempts count, under which keys, how many
fit in which moving window.

An attempt is reserved before the slow work it guards (a password check, a mail): one atomic
step checks every count the attempt must fit in and records it in each, so that parallel
attempts cannot all slip under a limit before any of them is counted. A login that succeeds
takes its reservation back; a failed one keeps it.

Sign-in is limited per (account, client address) pair, so that guessing from one address
never locks the owner out from another; a slower limit per account bounds guessing from many
addresses; and a limit per address bounds guessing over many accounts. A password reset and
the admin clear an account's counts (`unlock_account`).

The counts live in Redis when REDIS_URL is set, so that every API process shares them, and in
this process's memory otherwise. Redis is a soft dependency: while it cannot be reached each
process counts on its own (one warning when it goes, one when it is back), and no request
fails for it.

Besides the brute-force limits, every API caller (an API token, or a signed-in user) gets a
budget of reads and one of writes per fixed window (`api_request`): cheap (one counter per
caller and window), and told to the caller in the `RateLimit-*` headers of every answer."""

import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from backend.config import Settings
from backend.errors import RateLimited

log = logging.getLogger(__name__)

T = TypeVar("T")

# While Redis is unreachable, how long this process counts on its own before trying it again.
SHARED_RETRY_SECONDS = 5.0
# A login waits at most this long for an unresponsive Redis before counting on its own.
SHARED_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Rule:
    name: str
    amount: int
    window_seconds: int


@dataclass(frozen=True)
class Check:
    """At most `rule.amount` attempts recorded under `key` within the rule's window; with
    `per_tag`, only the attempts that carry this attempt's tag (its client address) count.
    A key is always checked with the same rules: the longest window is how long it keeps."""

    rule: Rule
    key: str
    per_tag: bool = False


class Store(Protocol):
    async def reserve(self, checks: tuple[Check, ...], entry: str, tag: str) -> float:
        """Records `entry` under every key when each check has room and answers 0; otherwise
        records nothing and answers the seconds until every check has room again."""

    async def release(self, keys: Iterable[str], entry: str) -> None: ...

    async def forget_tag(self, key: str, tag: str) -> None:
        """Drops the entries under `key` that carry `tag`."""

    async def clear(self, key: str) -> None: ...

    async def count(self, key: str, window_seconds: int) -> tuple[int, float]:
        """Adds one to `key`'s counter of the current fixed window; answers the count and
        the seconds until the window ends."""


def _entry(tag: str) -> str:
    # 32 hex digits, a space, the tag (the client address): the tag is what follows the space.
    return f"{uuid.uuid4().hex} {tag}"


def _tag_of(entry: str) -> str:
    return entry[33:]


class MemoryStore:
    """Counts in this process: per key, its entries (monotonic time, entry) oldest first."""

    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        self._entries: dict[str, list[tuple[float, str]]] = {}
        self._keep: dict[str, float] = {}
        self._swept_at = time.monotonic()
        # Fixed-window counters: key -> (window number, count).
        self._counters: dict[str, tuple[int, int]] = {}
        self._counters_swept = (0, 0)

    # No `await` inside: on the event loop each method runs whole, so it is atomic.
    async def reserve(self, checks: tuple[Check, ...], entry: str, tag: str) -> float:
        now = time.monotonic()
        self._sweep(now)
        for check in checks:
            keep = max(self._keep.get(check.key, 0.0), check.rule.window_seconds)
            self._keep[check.key] = keep
            self._prune(check.key, now - keep)
        wait = 0.0
        for check in checks:
            since = now - check.rule.window_seconds
            times = [
                at
                for at, recorded in self._entries.get(check.key, ())
                if at > since and (not check.per_tag or _tag_of(recorded) == tag)
            ]
            if len(times) >= check.rule.amount:
                # Room again once the oldest entry that keeps the count full has left the window.
                wait = max(wait, times[len(times) - check.rule.amount] - since)
        if wait > 0:
            return wait
        for key in {check.key for check in checks}:
            self._entries.setdefault(key, []).append((now, entry))
        return 0.0

    async def release(self, keys: Iterable[str], entry: str) -> None:
        for key in keys:
            self._filter(key, lambda recorded: recorded != entry)

    async def forget_tag(self, key: str, tag: str) -> None:
        self._filter(key, lambda recorded: _tag_of(recorded) != tag)

    async def clear(self, key: str) -> None:
        self._entries.pop(key, None)

    async def count(self, key: str, window_seconds: int) -> tuple[int, float]:
        now = time.time()
        window = int(now // window_seconds)
        self._sweep_counters(window, window_seconds)
        started, count = self._counters.get(key, (window, 0))
        count = count + 1 if started == window else 1
        self._counters[key] = (window, count)
        return count, (window + 1) * window_seconds - now

    def _sweep_counters(self, window: int, window_seconds: int) -> None:
        # The counters of ended windows, once per window: callers come and go.
        if self._counters_swept == (window, window_seconds):
            return
        self._counters_swept = (window, window_seconds)
        self._counters = {k: v for k, v in self._counters.items() if v[0] == window}

    def _filter(self, key: str, keep: Callable[[str], bool]) -> None:
        if key in self._entries:
            self._entries[key] = [(at, e) for at, e in self._entries[key] if keep(e)]

    def _prune(self, key: str, before: float) -> None:
        entries = self._entries.get(key)
        if entries and entries[0][0] <= before:
            self._entries[key] = [(at, e) for at, e in entries if at > before]

    def _sweep(self, now: float) -> None:
        # Keys nobody tried lately would otherwise stay forever.
        if now - self._swept_at < self.SWEEP_SECONDS:
            return
        self._swept_at = now
        for key in list(self._entries):
            entries = self._entries[key]
            if not entries or entries[-1][0] <= now - self._keep.get(key, 0.0):
                del self._entries[key]
                self._keep.pop(key, None)


# KEYS: one per check (a key may repeat). ARGV: the entry, its tag, then per check its
# amount, window (seconds) and 1 when only entries with the tag count. The server's clock,
# so that every API process measures the windows alike.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local keep = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 + (i - 1) * 3 + 2])
  if (keep[key] or 0) < window then keep[key] = window end
end
for key, window in pairs(keep) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
end
local wait = 0
for i, key in ipairs(KEYS) do
  local base = 2 + (i - 1) * 3
  local amount = tonumber(ARGV[base + 1])
  local since = now - tonumber(ARGV[base + 2])
  local tagged = ARGV[base + 3] == '1'
  local recorded = redis.call('ZRANGEBYSCORE', key, '(' .. since, '+inf', 'WITHSCORES')
  local times = {}
  for j = 1, #recorded, 2 do
    if not tagged or string.sub(recorded[j], 34) == ARGV[2] then
      table.insert(times, tonumber(recorded[j + 1]))
    end
  end
  if #times >= amount then
    local w = times[#times - amount + 1] - since
    if w > wait then wait = w end
  end
end
if wait > 0 then return tostring(wait) end
for key, window in pairs(keep) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('EXPIRE', key, math.ceil(window))
end
return '0'
"""

# One request counted in its window's counter, which expires with the window: one round trip
# on every API request (a MULTI/EXEC pipeline took two commands and twice the client's work).
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""

_FORGET_TAG = """
for _, recorded in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(recorded, 34) == ARGV[1] then redis.call('ZREM', KEYS[1], recorded) end
end
return 0
"""


class RedisStore:
    """Counts shared by every API process: a sorted set of entries per key, scored by time."""

    PREFIX = "stagematch:limits:"

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # One quick retry (a pooled connection may have died with a restarted Redis), no
        # backoff: a login does not wait for Redis, it counts on its own instead.
        self.client = redis.from_url(
            url,
            socket_connect_timeout=SHARED_TIMEOUT_SECONDS,
            socket_timeout=SHARED_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 1),
        )
        self._reserve = self.client.register_script(_RESERVE)
        self._forget_tag = self.client.register_script(_FORGET_TAG)
        self._count = self.client.register_script(_COUNT)

    async def reserve(self, checks: tuple[Check, ...], entry: str, tag: str) -> float:
        args: list[Any] = [entry, tag]
        for check in checks:
            args += [check.rule.amount, check.rule.window_seconds, int(check.per_tag)]
        keys = [self.PREFIX + check.key for check in checks]
        return float(await self._reserve(keys=keys, args=args))

    async def release(self, keys: Iterable[str], entry: str) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zrem(self.PREFIX + key, entry)
            await pipe.execute()

    async def forget_tag(self, key: str, tag: str) -> None:
        await self._forget_tag(keys=[self.PREFIX + key], args=[tag])

    async def clear(self, key: str) -> None:
        await self.client.delete(self.PREFIX + key)

    async def count(self, key: str, window_seconds: int) -> tuple[int, float]:
        now = time.time()
        window = int(now // window_seconds)
        name = f"{self.PREFIX}{key}:{window}"
        count = await self._count(keys=[name], args=[window_seconds + 1])
        return int(count), (window + 1) * window_seconds - now

    async def close(self) -> None:
        await self.client.aclose()


def _shared_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError)


@dataclass(frozen=True)
class Reservation:
    """A recorded attempt: `keys` it was recorded under, in `store`."""

    entry: str
    tag: str
    keys: tuple[str, ...]
    store: Store


@dataclass(frozen=True)
class Quota:
    """Where a caller stands in its current window: the `RateLimit-*` headers."""

    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


@dataclass(frozen=True)
class Rules:
    login_account_address: Rule
    login_account: Rule
    login_address: Rule
    mail_account: Rule
    mail_address: Rule
    password_check_address: Rule


# The checklist asks once per pause in typing: a person choosing a password makes a few dozen.
PASSWORD_CHECKS_PER_ADDRESS = 120
PASSWORD_CHECK_WINDOW_SECONDS = 900


def rules(settings: Settings) -> Rules:
    """The brute-force limits of `settings`."""
    return Rules(
        login_account_address=Rule(
            "login-account-address",
            settings.login_attempts_per_account_address,
            settings.login_window_seconds,
        ),
        login_account=Rule(
            "login-account",
            settings.login_attempts_per_account,
            settings.login_account_window_seconds,
        ),
        login_address=Rule(
            "login-address", settings.login_attempts_per_address, settings.login_window_seconds
        ),
        mail_account=Rule(
            "mail-account", settings.mail_requests_per_account, settings.mail_request_window_seconds
        ),
        mail_address=Rule(
            "mail-address", settings.mail_requests_per_address, settings.mail_request_window_seconds
        ),
        password_check_address=Rule(
            "password-check-address", PASSWORD_CHECKS_PER_ADDRESS, PASSWORD_CHECK_WINDOW_SECONDS
        ),
    )


def _login_key(email: str) -> str:
    # One key per account holds both its own count and its pairs' (tagged by address), so
    # that unlocking an account is one deletion.
    return f"login:{email}"


class Limiter:
    def __init__(self, settings: Settings, shared: RedisStore | None = None) -> None:
        self.rules = rules(settings)
        self.api_reads = settings.api_reads_per_window
        self.api_writes = settings.api_writes_per_window
        self.api_window = settings.api_limit_window_seconds
        self.local = MemoryStore()
        self.shared = shared
        self._shared_down = False
        self._retry_shared_at = 0.0

    # --- what is limited --------------------------------------------------------------------

    async def login_attempt(self, email: str, address: str) -> Reservation:
        """Reserves a sign-in attempt of `email` (normalised) from `address`, or raises 429."""
        account = _login_key(email)
        return await self._reserve(
            (
                Check(self.rules.login_account_address, account, per_tag=True),
                Check(self.rules.login_account, account),
                Check(self.rules.login_address, f"login-address:{address}"),
            ),
            tag=address,
        )

    async def login_succeeded(self, email: str, attempt: Reservation) -> None:
        """The right password: the attempt does not count, nor do this address's earlier
        failures on this account (the owner mistyped)."""
        await self._on(attempt.store, lambda store: store.release(attempt.keys, attempt.entry))
        key = _login_key(email)
        await self._on(attempt.store, lambda store: store.forget_tag(key, attempt.tag))

    async def login_undecided(self, attempt: Reservation) -> None:
        """The right password, the verification code still to come: this attempt does not
        count, but earlier failures stay (only the code proves the owner, so that a known
        password cannot clear the count of guessed codes)."""
        await self._on(attempt.store, lambda store: store.release(attempt.keys, attempt.entry))

    async def mail_request(self, email: str, address: str) -> None:
        """Counts a resend or forgot-password request (they always count), or raises 429."""
        await self._reserve(
            (
                Check(self.rules.mail_account, f"mail:{email}"),
                Check(self.rules.mail_address, f"mail-address:{address}"),
            ),
            tag=address,
        )

    async def password_check(self, address: str) -> None:
        """Counts a password check (the client's checklist), or raises 429: the rules are
        public, but no address gets to weigh passwords in bulk."""
        await self._reserve(
            (Check(self.rules.password_check_address, f"password-check:{address}"),), tag=address
        )

    async def api_request(self, caller: str, *, write: bool) -> Quota:
        """Counts one API request of `caller` (an API token's or a user's key) against its
        budget of reads or writes in the current window; over it, 429 with `Retry-After`."""
        limit = self.api_writes if write else self.api_reads
        key = f"api-{'writes' if write else 'reads'}:{caller}"
        _, (count, reset) = await self._shared_or_local(
            lambda store: store.count(key, self.api_window)
        )
        quota = Quota(limit, max(0, limit - count), max(1, math.ceil(reset)))
        if count > limit:
            raise RateLimited(
                "Too many requests; try again later",
                headers={**quota.headers(), "Retry-After": str(quota.reset_seconds)},
                retry_after=quota.reset_seconds,
            )
        return quota

    async def unlock_account(self, email: str) -> None:
        """Forgets every failed sign-in of `email` (normalised), from every address."""
        key = _login_key(email)
        await self.local.clear(key)
        if self.shared is not None:
            await self._on(self.shared, lambda store: store.clear(key))

    async def close(self) -> None:
        if self.shared is not None:
            await self.shared.close()

    # --- where it is counted ----------------------------------------------------------------

    async def _reserve(self, checks: tuple[Check, ...], tag: str) -> Reservation:
        entry = _entry(tag)
        store, wait = await self._shared_or_local(lambda s: s.reserve(checks, entry, tag))
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise RateLimited(
                "Too many attempts; try again later",
                headers={"Retry-After": str(retry_after)},
                retry_after=retry_after,
            )
        keys = tuple(dict.fromkeys(check.key for check in checks))
        return Reservation(entry, tag, keys, store)

    async def _shared_or_local(self, operation: Callable[[Store], Awaitable[T]]) -> tuple[Store, T]:
        """Runs `operation` on Redis while it answers, else on this process's memory."""
        if self.shared is not None and (
            not self._shared_down or time.monotonic() >= self._retry_shared_at
        ):
            try:
                result = await operation(self.shared)
            except _shared_errors() as exc:
                self._went_down(exc)
            else:
                self._came_back()
                return self.shared, result
        return self.local, await operation(self.local)

    async def _on(self, store: Store, operation: Callable[[Store], Awaitable[None]]) -> None:
        """Runs `operation` where an attempt was counted; an unreachable Redis keeps it."""
        if store is self.local:
            await operation(store)
            return
        try:
            await operation(store)
        except _shared_errors() as exc:
            self._went_down(exc)

    def _went_down(self, exc: BaseException) -> None:
        self._retry_shared_at = time.monotonic() + SHARED_RETRY_SECONDS
        if not self._shared_down:
            self._shared_down = True
            # One line per outage, not a traceback per request.
            log.warning(
                "rate limits: Redis unreachable (%s: %s); this process counts on its own "
                "until it is back",
                type(exc).__name__,
                exc,
            )

    def _came_back(self) -> None:
        if self._shared_down:
            self._shared_down = False
            log.warning("rate limits: Redis reachable again; counting in Redis")


def create_limiter(settings: Settings) -> Limiter:
    shared = RedisStore(settings.redis_url) if settings.redis_url else None
    return Limiter(settings, shared)

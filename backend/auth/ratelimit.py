"""Brute-force limits with `limits`: memory by default, Redis when REDIS_URL is set, so that
several API processes share one count."""

import math
import time
from dataclasses import dataclass
from functools import cache

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from backend.config import Settings, get_settings
from backend.errors import RateLimited


@dataclass(frozen=True)
class Rule:
    name: str
    amount: int
    window_seconds: int

    @property
    def item(self) -> RateLimitItemPerSecond:
        return RateLimitItemPerSecond(self.amount, self.window_seconds)


class Limiter:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)

    async def check(self, rule: Rule, key: str) -> None:
        """Raises 429 with Retry-After while `key` has used up `rule`'s window."""
        if not await self.strategy.test(rule.item, rule.name, key):
            stats = await self.strategy.get_window_stats(rule.item, rule.name, key)
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(
                "Too many attempts; try again later",
                headers={"Retry-After": str(retry_after)},
                retry_after=retry_after,
            )

    async def hit(self, rule: Rule, key: str) -> None:
        await self.strategy.hit(rule.item, rule.name, key)

    async def hit_and_check(self, rule: Rule, key: str) -> None:
        await self.check(rule, key)
        await self.hit(rule, key)

    async def clear(self, rule: Rule, key: str) -> None:
        await self.strategy.clear(rule.item, rule.name, key)


def rules(settings: Settings) -> dict[str, Rule]:
    return {
        "login_account": Rule(
            "login-account", settings.login_attempts_per_account, settings.login_window_seconds
        ),
        "login_address": Rule(
            "login-address", settings.login_attempts_per_address, settings.login_window_seconds
        ),
        "mail_account": Rule(
            "mail-account", settings.mail_requests_per_account, settings.mail_request_window_seconds
        ),
        "mail_address": Rule(
            "mail-address", settings.mail_requests_per_address, settings.mail_request_window_seconds
        ),
    }


def create_limiter(settings: Settings) -> Limiter:
    if settings.redis_url:
        # redis-py is already a dependency (events fan-out); no need for coredis too.
        return Limiter(RedisStorage(f"async+{settings.redis_url}", implementation="redispy"))
    return Limiter(MemoryStorage())


@cache
def default_rules() -> dict[str, Rule]:
    return rules(get_settings())

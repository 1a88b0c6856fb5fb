"""Probes for orchestrators and load balancers, public and outside the API's schema:
`/healthz` says the process answers; `/readyz` says it can serve (the database answers and its
schema is one this code can serve, the configured keys open the stored national numbers and
match their hashes). Redis, when configured, is reported but not required: without it the app
works on (rate limits and live updates stay within the process)."""

import asyncio
import logging
from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend import keys
from backend.db import alembic_config
from backend.errors import answer, error, problems

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
NotReady = error(503, "not_ready", "Not ready to serve")
CHECK_TIMEOUT_SECONDS = 3.0
# Reported in the body, never a reason to take the replica out of the load balancer.
OPTIONAL_CHECKS = frozenset({"redis"})


@cache
def migration_heads() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


@cache
def known_revisions() -> frozenset[str]:
    """Every revision shipped with this code: its heads and all before them."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(revision.revision for revision in script.walk_revisions())


def schema_state(revisions: set[str]) -> str:
    """`ok` when this code can serve a database at `revisions`: at its head, or ahead of it;
    `not_migrated` when behind (or never migrated). A revision this code does not know is a
    newer release's (every older one ships with it), and a newer release's migrations only
    add to the schema while older replicas still run (docs/OPERATIONS.md, Upgrading)."""
    behind = (revisions & known_revisions()) - migration_heads()
    return "ok" if revisions and not behind else "not_migrated"


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """Alive: the process answers (no dependency is checked: restarting would not help)."""
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


async def _database(request: Request) -> str:
    try:
        async with request.app.state.sessionmaker() as session:
            rows = await asyncio.wait_for(
                session.scalars(text("SELECT version_num FROM alembic_version")),
                CHECK_TIMEOUT_SECONDS,
            )
            revisions = set(rows)
    except Exception as exc:
        # A missing alembic_version table (never migrated) lands here too.
        log.warning("readiness: database check failed: %s", exc.__class__.__name__)
        return "unavailable"
    return schema_state(revisions)


async def _keys(request: Request) -> dict[str, str]:
    """A wrong or missing DATA_KEY, or a BLIND_INDEX_KEY the stored hashes are not under, is
    said here rather than by every list (backend.keys)."""
    try:
        async with request.app.state.sessionmaker() as session:
            checks = await asyncio.wait_for(keys.key_checks(session), CHECK_TIMEOUT_SECONDS)
            await session.commit()  # the first check is recorded
    except Exception as exc:
        log.warning("readiness: key check failed: %s", exc.__class__.__name__)
        return {"data_key": "unavailable"}
    for name, state in checks.items():
        if state != keys.OK:
            log.warning("readiness: %s: %s (docs/OPERATIONS.md, Keys)", name, state)
    return checks


async def _redis(url: str) -> str:
    import redis.asyncio as redis

    # Short: a probe that waits on an unreachable Redis would itself time out at the balancer.
    timeout = 1.0
    client = redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        await asyncio.wait_for(client.ping(), timeout)
    except Exception:
        # Not logged per probe: Redis's users (the event broker) log its going and return.
        return "unavailable"
    finally:
        await client.aclose()
    return "ok"


@router.get("/readyz", responses=problems(NotReady))
async def readyz(request: Request) -> JSONResponse:
    """Ready: 200 when every required check is ok; else 503 problem+json naming them."""
    checks = {"database": await _database(request)}
    if checks["database"] == "ok":
        checks.update(await _keys(request))
    redis_url = request.app.state.settings.redis_url
    if redis_url:
        checks["redis"] = await _redis(redis_url)
    headers = {"Cache-Control": "no-store"}
    failing = ", ".join(
        f"{name}: {state}"
        for name, state in checks.items()
        if state != "ok" and name not in OPTIONAL_CHECKS
    )
    if not failing:
        return JSONResponse({"status": "ok", "checks": checks}, headers=headers)
    return answer(
        NotReady,
        failing,
        headers={**headers, "Retry-After": "5"},
        checks=checks,
    )

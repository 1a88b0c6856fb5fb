"""`stagematch serve | migrate | create-admin | reset-mfa | seed-demo | mail-worker | purge |
rotate-keys | reindex`, on the API's settings."""

import argparse
import asyncio
import gc
import ipaddress
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple

from backend.config import ROOT, get_settings

if TYPE_CHECKING:
    from alembic.config import Config
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Args = TypeVarTuple("Args")


def alembic_config() -> "Config":
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def migrate(revision: str = "head") -> None:
    from alembic import command

    settings = get_settings()
    if settings.is_sqlite:
        path = settings.database_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config()
    # Keep the process's logging (JSON lines in production) instead of alembic.ini's.
    config.attributes["skip_logging"] = True
    command.upgrade(config, revision)


async def _with_session(fn: "Callable[[AsyncSession, *Args], Awaitable[T]]", *args: *Args) -> T:
    from backend.db import create_engine, create_sessionmaker

    engine = create_engine(get_settings())
    try:
        async with create_sessionmaker(engine)() as session:
            result = await fn(session, *args)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def served_app() -> "FastAPI":
    """The app as `serve` runs it, logging set up first: uvicorn's worker processes import
    this factory, and a fresh process has no logging configured."""
    from backend import logging as app_logging
    from backend.main import create_app

    settings = get_settings()
    app_logging.configure(settings.environment)
    app = create_app(settings)
    # What the process built to start lives as long as it does: frozen out of the garbage
    # collector's way, so that a collection during a request walks only what requests made.
    gc.collect()
    gc.freeze()
    return app


def _listens_everywhere(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def development_public_url(host: str, port: int) -> None:
    """In development without PUBLIC_URL, the links in mail point at this very server
    (`make run PORT=8123` mails links to port 8123), not at the default port 8000. Set in the
    environment, so uvicorn's worker processes read the same."""
    settings = get_settings()
    if settings.environment != "development" or "public_url" in settings.model_fields_set:
        return
    shown = "127.0.0.1" if _listens_everywhere(host) else host
    os.environ["PUBLIC_URL"] = f"http://{shown}:{port}"
    get_settings.cache_clear()


def serve(host: str, port: int, workers: int, forwarded_allow_ips: str | None = None) -> None:
    import uvicorn

    development_public_url(host, port)

    # log_config=None: uvicorn keeps its hands off logging (ours writes JSON lines), and our
    # middleware writes the access lines, with the request id. The forwarding headers are
    # believed from the trusted proxies only (FORWARDED_ALLOW_IPS): uvicorn then takes the
    # right-most address that is not one of them as the client's.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": forwarded_allow_ips or get_settings().forwarded_allow_ips,
        "log_config": None,
        "access_log": False,
        "factory": True,
        # After SIGTERM, requests in flight get this long; then the server exits regardless.
        "timeout_graceful_shutdown": get_settings().shutdown_grace_seconds,
        # No `server: uvicorn` header: the stack's name and version help only an attacker.
        "server_header": False,
    }
    if workers > 1:
        # Separate processes: each has its own memory, so rate limits and live events need
        # REDIS_URL to be shared.
        uvicorn.run("backend.cli:served_app", workers=workers, **options)
    else:
        uvicorn.run(served_app, **options)


async def _mail_worker(metrics_port: int | None = None) -> None:
    from backend.db import create_engine, create_sessionmaker
    from backend.mail import worker

    settings = get_settings()
    if metrics_port:
        from backend import metrics

        metrics.serve_process_metrics(metrics_port)
    engine = create_engine(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await worker.run(create_sessionmaker(engine), settings, stop)
    finally:
        await engine.dispose()


async def _key_job(name: str, batch_size: int) -> int:
    """`rotate-keys` or `reindex` over the whole table, while the API serves."""
    from backend import keys
    from backend.db import create_engine, create_sessionmaker

    batch, finish, done = {
        "rotate-keys": (
            keys.rotate_batch,
            keys.finish_rotation,
            "every national number is under the first key of DATA_KEY",
        ),
        "reindex": (
            keys.reindex_batch,
            keys.finish_reindex,
            "every duplicate-check hash is under BLIND_INDEX_KEY",
        ),
    }[name]

    def progress(report: keys.JobReport) -> None:
        print(f"{name}: {report.examined} examined, {report.changed} changed", flush=True)

    engine = create_engine(get_settings())
    try:
        report = await keys.run_job(
            create_sessionmaker(engine), batch, finish, batch_size, progress
        )
    finally:
        await engine.dispose()
    if report.complete:
        print(f"{name}: done, {done}")
        return 0
    for request_id in report.undecryptable:
        print(f"{name}: request {request_id}: no key of DATA_KEY decrypts its national number")
    for request_id in report.duplicates:
        print(f"{name}: request {request_id}: the same pupil has another request in the campaign")
    print(f"{name}: incomplete; fix the requests above and run it again", file=sys.stderr)
    return 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    from backend import logging as app_logging

    try:
        environment = get_settings().environment
    except ValueError:
        # Invalid settings: let the command itself report them, readably.
        environment = "development"
    app_logging.configure(environment)
    parser = argparse.ArgumentParser(prog="stagematch")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve the API and the client")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument(
        "--workers", type=int, default=1, help="processes (share state through REDIS_URL)"
    )
    serve_cmd.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="proxies whose X-Forwarded-For is trusted, comma-separated addresses or networks "
        "(default: the FORWARDED_ALLOW_IPS setting, loopback unless set)",
    )
    migrate_cmd = commands.add_parser("migrate", help="apply database migrations")
    migrate_cmd.add_argument("--revision", default="head")
    admin_cmd = commands.add_parser("create-admin", help="create an active admin account")
    admin_cmd.add_argument("--email", required=True)
    admin_cmd.add_argument("--password", required=True)
    reset_mfa_cmd = commands.add_parser(
        "reset-mfa",
        help="turn two-step sign-in off for an account that lost its authenticator "
        "(it enrols again at the next sign-in)",
    )
    reset_mfa_cmd.add_argument("--email", required=True)
    seed_cmd = commands.add_parser("seed-demo", help="load demo data")
    seed_cmd.add_argument(
        "--if-empty", action="store_true", help="only when the database has no organisation yet"
    )
    worker_cmd = commands.add_parser("mail-worker", help="deliver the mail outbox")
    worker_cmd.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve the worker's Prometheus metrics (its heartbeat) on this port",
    )
    purge_cmd = commands.add_parser(
        "purge", help="erase the personal data of campaigns closed longer ago than --older-than"
    )
    purge_cmd.add_argument("--older-than", default="18mo", help="e.g. 18mo, 2y, 540d")
    rotate_cmd = commands.add_parser(
        "rotate-keys", help="re-encrypt every national number with the first key of DATA_KEY"
    )
    reindex_cmd = commands.add_parser(
        "reindex", help="rehash every national number with BLIND_INDEX_KEY (after changing it)"
    )
    for job_cmd in (rotate_cmd, reindex_cmd):
        job_cmd.add_argument(
            "--batch-size", type=_positive, default=500, help="rows per transaction"
        )
    args = parser.parse_args(argv)

    if args.command == "serve":
        serve(args.host, args.port, args.workers, args.forwarded_allow_ips)
    elif args.command == "migrate":
        migrate(args.revision)
    elif args.command == "create-admin":
        from backend.demo import create_admin

        asyncio.run(_with_session(create_admin, args.email, args.password))
        print(f"admin {args.email} created")
    elif args.command == "reset-mfa":
        from backend.auth.mfa import reset
        from backend.errors import NotFound

        try:
            asyncio.run(_with_session(reset, args.email))
        except NotFound as exc:
            print(exc.detail, file=sys.stderr)
            return 1
        print(f"two-step sign-in of {args.email} is off; every session of it ended")
    elif args.command == "seed-demo":
        from backend.demo import seed

        logins = asyncio.run(_with_session(seed, args.if_empty))
        if logins and get_settings().environment == "development":
            print("\nDemo logins (development only):")
            for role, email, password in logins:
                print(f"  {role:8} {email:32} {password}")
            print()
    elif args.command == "mail-worker":
        asyncio.run(_mail_worker(args.metrics_port))
    elif args.command == "purge":
        from backend.admin.retention import parse_age, purge

        try:
            age = parse_age(args.older_than)
        except ValueError as exc:
            parser.error(str(exc))
        report = asyncio.run(_with_session(purge, age))
        print(
            f"purged {report.requests} requests of {len(report.campaigns)} campaigns "
            f"({', '.join(report.campaigns) or 'none'}); deleted {report.mails} old mails"
        )
    elif args.command in ("rotate-keys", "reindex"):
        return asyncio.run(_key_job(args.command, args.batch_size))
    return 0


if __name__ == "__main__":
    sys.exit(main())

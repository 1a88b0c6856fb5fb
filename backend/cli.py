"""`stagematch serve | migrate | create-admin | reset-mfa | seed-demo | mail-worker | purge |
rotate-keys | reindex`, on the settings `main` reads once and hands to every command."""

import argparse
import asyncio
import functools
import gc
import ipaddress
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from backend import keys, metrics, startup
from backend import logging as app_logging
from backend.admin.retention import parse_age, purge, purge_due_now
from backend.auth import mfa
from backend.config import Settings, get_settings
from backend.db import alembic_config, create_engine, create_sessionmaker
from backend.demo import create_admin, seed
from backend.errors import NotFound
from backend.mail import worker
from backend.main import create_app


def migrate(settings: Settings, revision: str = "head") -> None:
    from alembic import command  # (alembic only for this command)

    if settings.is_sqlite:
        path = settings.database_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config()
    config.attributes["settings"] = settings
    # Keep the process's logging (JSON lines in production) instead of alembic.ini's.
    config.attributes["skip_logging"] = True
    command.upgrade(config, revision)


T = TypeVar("T")
# How long an idle keep-alive connection stays open (`serve`).
KEEP_ALIVE_SECONDS = 75


async def _with_session(settings: Settings, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            result = await fn(session, *args)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def served_app(settings: Settings | None = None) -> FastAPI:
    """The app as `serve` runs it, logging set up first: uvicorn's worker processes import
    this factory (without arguments: they read the settings themselves), and a fresh process
    has no logging configured."""
    settings = settings or get_settings()
    app_logging.configure(settings)
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


def development_public_url(settings: Settings, host: str, port: int) -> Settings:
    """In development without PUBLIC_URL, the links in mail point at this very server
    (`make run PORT=8123` mails links to port 8123), not at the default port 8000. Also set
    in the environment, so that uvicorn's worker processes read the same."""
    if settings.environment != "development" or "public_url" in settings.model_fields_set:
        return settings
    shown = "127.0.0.1" if _listens_everywhere(host) else host
    url = f"http://{shown}:{port}"
    os.environ["PUBLIC_URL"] = url
    return settings.model_copy(update={"public_url": url})


def serve(
    settings: Settings, host: str, port: int, workers: int, forwarded_allow_ips: str | None = None
) -> None:
    settings = development_public_url(settings, host, port)
    # log_config=None: uvicorn keeps its hands off logging (ours writes JSON lines), and our
    # middleware writes the access lines, with the request id. The forwarding headers are
    # believed from the trusted proxies only (FORWARDED_ALLOW_IPS): uvicorn then takes the
    # right-most address that is not one of them as the client's.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": forwarded_allow_ips or settings.forwarded_allow_ips,
        "log_config": None,
        "access_log": False,
        "factory": True,
        # After SIGTERM, requests in flight get this long; then the server exits regardless.
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        # No `server: uvicorn` header: the stack's name and version help only an attacker.
        "server_header": False,
        # An idle connection is kept longer than its client keeps it (httpx 5 s, browsers and
        # proxies up to a minute): with uvicorn's 5 s a client sending on a connection just
        # as the server closed it got a reset (`ReadError` in the rush, docs/DECISIONS.md).
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }
    if workers > 1:
        # Separate processes: each has its own memory, so rate limits and live events need
        # REDIS_URL to be shared.
        uvicorn.run("backend.cli:served_app", workers=workers, **options)
    else:
        uvicorn.run(functools.partial(served_app, settings), **options)


async def _mail_worker(settings: Settings, metrics_port: int | None = None) -> None:
    if metrics_port:
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


async def _key_job(settings: Settings, name: str, batch_size: int) -> int:
    """`rotate-keys` or `reindex` over the whole table, while the API serves."""
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

    engine = create_engine(settings)
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


def _age(text: str) -> timedelta:
    try:
        return parse_age(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- the command line: its parser, then one function per command ------------------------


def _add_server_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
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
    worker_cmd = commands.add_parser("mail-worker", help="deliver the mail outbox")
    worker_cmd.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve the worker's Prometheus metrics (its heartbeat) on this port",
    )


def _add_account_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    admin_cmd = commands.add_parser("create-admin", help="create an active admin account")
    admin_cmd.add_argument("--email", required=True)
    admin_cmd.add_argument("--password", required=True)
    reset_mfa_cmd = commands.add_parser(
        "reset-mfa",
        help="turn two-step sign-in off for an account that lost its authenticator "
        "(it enrols again at the next sign-in)",
    )
    reset_mfa_cmd.add_argument("--email", required=True)


def _add_data_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    seed_cmd = commands.add_parser("seed-demo", help="load demo data")
    seed_cmd.add_argument(
        "--if-empty", action="store_true", help="only when the database has no organisation yet"
    )
    purge_cmd = commands.add_parser(
        "purge",
        help="erase the personal data of every campaign whose retention date has passed "
        "(RETENTION_MONTHS, or as postponed); idempotent, e.g. after restoring a backup",
    )
    purge_cmd.add_argument(
        "--older-than",
        type=_age,
        default=None,
        help="instead: every campaign whose decision deadline is older, e.g. 18mo, 2y, 540d",
    )
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


def command_line() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stagematch")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_server_commands(commands)
    _add_account_commands(commands)
    _add_data_commands(commands)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    serve(settings, args.host, args.port, args.workers, args.forwarded_allow_ips)
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    migrate(settings, args.revision)
    return 0


def _create_admin(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_with_session(settings, create_admin, args.email, args.password))
    print(f"admin {args.email} created")
    return 0


def _reset_mfa(args: argparse.Namespace, settings: Settings) -> int:
    try:
        asyncio.run(_with_session(settings, mfa.reset, args.email))
    except NotFound as exc:
        print(exc.detail, file=sys.stderr)
        return 1
    print(f"two-step sign-in of {args.email} is off; every session of it ended")
    return 0


def _seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    logins = asyncio.run(_with_session(settings, seed, args.if_empty))
    if logins and settings.environment == "development":
        print("\nDemo logins (development only):")
        for role, email, password in logins:
            print(f"  {role:8} {email:32} {password}")
        print()
    return 0


def _run_mail_worker(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_mail_worker(settings, args.metrics_port))
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    if args.older_than is None:
        report = asyncio.run(_with_session(settings, purge_due_now, settings))
    else:
        report = asyncio.run(
            _with_session(settings, purge, args.older_than, None, settings.retention_batch_size)
        )
    print(
        f"purged {report.requests} requests of {len(report.campaigns)} campaigns "
        f"({', '.join(report.campaigns) or 'none'}); blanked {report.mails} mails"
    )
    return 0


def _run_key_job(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_key_job(settings, args.command, args.batch_size))


COMMANDS = {
    "serve": _serve,
    "migrate": _migrate,
    "create-admin": _create_admin,
    "reset-mfa": _reset_mfa,
    "seed-demo": _seed_demo,
    "mail-worker": _run_mail_worker,
    "purge": _purge,
    "rotate-keys": _run_key_job,
    "reindex": _run_key_job,
}


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    """Runs a command on `settings` (by default, read from the environment and `.env`)."""
    args = command_line().parse_args(argv)
    try:
        settings = settings or get_settings()
    except ValidationError as exc:
        # Readably, and never the values (Settings hides them).
        print(f"stagematch: invalid settings: {exc}", file=sys.stderr)
        return 1
    app_logging.configure(settings)
    startup.configure(settings)
    return COMMANDS[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())

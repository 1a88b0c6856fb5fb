"""`stagematch serve | migrate | create-admin | seed-demo | mail-worker`, on the API's settings."""

import argparse
import asyncio
import logging
import signal
import sys

from backend.config import ROOT, get_settings


def alembic_config():
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
    command.upgrade(alembic_config(), revision)


async def _with_session(fn, *args):
    from backend.db import create_engine, create_sessionmaker

    engine = create_engine(get_settings())
    try:
        async with create_sessionmaker(engine)() as session:
            result = await fn(session, *args)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    settings = get_settings()
    if workers > 1:
        uvicorn.run(
            "backend.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_level="info",
        )
    else:
        from backend.main import create_app

        uvicorn.run(
            create_app(settings), host=host, port=port, proxy_headers=True, log_level="info"
        )


async def _mail_worker() -> None:
    from backend.db import create_engine, create_sessionmaker
    from backend.mail import worker

    settings = get_settings()
    engine = create_engine(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await worker.run(create_sessionmaker(engine), settings, stop)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(prog="stagematch")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve the API and the client")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--workers", type=int, default=1)
    migrate_cmd = commands.add_parser("migrate", help="apply database migrations")
    migrate_cmd.add_argument("--revision", default="head")
    admin_cmd = commands.add_parser("create-admin", help="create an active admin account")
    admin_cmd.add_argument("--email", required=True)
    admin_cmd.add_argument("--password", required=True)
    seed_cmd = commands.add_parser("seed-demo", help="load demo data")
    seed_cmd.add_argument(
        "--if-empty", action="store_true", help="only when the database has no organisation yet"
    )
    commands.add_parser("mail-worker", help="deliver the mail outbox")
    args = parser.parse_args(argv)

    if args.command == "serve":
        serve(args.host, args.port, args.workers)
    elif args.command == "migrate":
        migrate(args.revision)
    elif args.command == "create-admin":
        from backend.demo import create_admin

        asyncio.run(_with_session(create_admin, args.email, args.password))
        print(f"admin {args.email} created")
    elif args.command == "seed-demo":
        from backend.demo import seed

        logins = asyncio.run(_with_session(seed, args.if_empty))
        if logins and get_settings().environment == "development":
            print("\nDemo logins (development only):")
            for role, email, password in logins:
                print(f"  {role:8} {email:32} {password}")
            print()
    elif args.command == "mail-worker":
        asyncio.run(_mail_worker())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The application: routers, error handlers, the static client, the in-process mail worker."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp

from backend import body_limit, errors, health, metrics, security_headers, shutdown, startup
from backend import logging as app_logging
from backend.admin import router as admin_router
from backend.auth import api_tokens_router, quota
from backend.auth import router as auth_router
from backend.auth.deps import enrolment_scope, token_scope
from backend.auth.ratelimit import create_limiter
from backend.campaigns import router as campaigns_router
from backend.config import ROOT, Settings, get_settings
from backend.db import create_engine, create_sessionmaker
from backend.events import broker as events
from backend.events import stream as events_stream
from backend.idempotency.middleware import IdempotencyMiddleware
from backend.mail import worker as mail_worker
from backend.openapi import OPENAPI_TAGS, document_errors
from backend.organisations import router as organisations_router
from backend.placements import router as reading_router
from backend.placements.care_services import router as care_services_router
from backend.placements.files import router as files_router
from backend.placements.school import router as school_router
from backend.query_params import refuse_unknown_parameters
from backend.reference import router as reference_router
from backend.supervisors import router as supervisors_router
from backend.texts import router as texts_router
from backend.webhooks import router as webhooks_router

log = logging.getLogger(__name__)
FRONTEND = ROOT / "frontend"


DESCRIPTION = """Placement matching for home-care (gezinszorg) work placements.

Authenticate with `Authorization: Bearer <token>`: an access token from `POST /auth/login`
(15 minutes, renewed with the refresh cookie) or an organisation's API token (`smt_...`,
created under `/api-tokens`) for scripts. Errors are `application/problem+json` with a stable
`code`; every response carries an `X-Request-ID` to quote when asking for support."""


class StagematchAPI(FastAPI):
    """FastAPI whose outermost layers are the request-id and security-headers middlewares:
    outside Starlette's error middleware, so that even a 500 carries `X-Request-ID`, its
    security headers and gets its access line."""

    def build_middleware_stack(self) -> ASGIApp:
        measured = metrics.MetricsMiddleware(super().build_middleware_stack(), self.state.metrics)
        secured = security_headers.SecurityHeadersMiddleware(
            measured,
            index_html=(FRONTEND / "index.html").read_text(encoding="utf-8"),
            docs_path=self.docs_url,
            docs_html=security_headers.swagger_page(self),
            https=self.state.settings.public_url.startswith("https://"),
        )
        return app_logging.RequestContextMiddleware(secured)

    _documented: dict[str, Any] | None = None

    def openapi(self) -> dict[str, Any]:
        # FastAPI regenerates its document when routes change; ours follows each new one.
        schema = super().openapi()
        if schema is not self._documented:
            self._documented = document_errors(schema, self.routes)
        return schema


def api_router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    # A query parameter an operation does not declare answers 422 unknown_parameter (on a
    # private operation once the caller is authenticated).
    checked = [Depends(refuse_unknown_parameters)]
    # Public endpoints sit on their own router; everything else needs a signed-in actor, and
    # an API token's scope (read-only, no credentials) is enforced here once for all of them.
    api.include_router(auth_router.public, dependencies=checked)
    api.include_router(auth_router.meta, dependencies=checked)
    api.include_router(texts_router.public, dependencies=checked)
    # (Included one by one rather than through one more router: every level of routers
    # is one more walk through its routes on each request.)
    private = [Depends(token_scope), Depends(quota.api_rate_limit), *checked]
    # The placement requests first: they take most of the traffic, and a request is matched
    # against the routes in order.
    for module in (
        # The fixed paths (import, export...) before `/{request_id}`.
        files_router,
        school_router,
        care_services_router,
        reading_router,
        auth_router,
        api_tokens_router,
        organisations_router,
        campaigns_router,
        supervisors_router,
        reference_router,
        webhooks_router,
        admin_router,
        texts_router,
    ):
        api.include_router(module.router, dependencies=private)
    # Who am I and the second factor's enrolment: reachable before the second factor.
    api.include_router(
        auth_router.enrolment,
        dependencies=[Depends(enrolment_scope), Depends(quota.api_rate_limit), *checked],
    )
    api.include_router(events_stream.router, dependencies=checked)
    return api


def create_app(
    settings: Settings | None = None, sessionmaker: async_sessionmaker[AsyncSession] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    # Every setting comes from this object: the subsystems take theirs now, the dependencies
    # read app.state.settings.
    startup.configure(settings)
    engine = None
    if sessionmaker is None:
        engine = create_engine(settings, statement_timeout=settings.db_statement_timeout_seconds)
        sessionmaker = create_sessionmaker(engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        worker = None
        if settings.mail_worker_in_process:
            worker = asyncio.create_task(mail_worker.run(sessionmaker, settings, stop))
        # On SIGTERM the event streams end at once, so that only requests in flight hold the
        # server's graceful shutdown (SHUTDOWN_GRACE_SECONDS at most).
        restore_signals = shutdown.on_exit_signal(events.end_streams)
        try:
            yield
        finally:
            restore_signals()
            stop.set()
            if worker is not None:
                await worker
            await events.close_broker()
            await app.state.limiter.close()
            if engine is not None:
                await engine.dispose()

    app = StagematchAPI(
        title="Stagematch API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        openapi_tags=OPENAPI_TAGS,
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessionmaker = sessionmaker
    app.state.limiter = create_limiter(settings)
    errors.install(app)
    # Innermost first: the idempotency keys read bodies the size limit has already bounded.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(body_limit.BodySizeLimit)
    app.add_middleware(quota.RateLimitHeaders)
    app.include_router(api_router())
    app.include_router(health.router)
    app.state.metrics = metrics.Metrics()
    app.include_router(metrics.router)

    mount_client(app)
    return app


def mount_client(app: FastAPI) -> None:
    """Serves the static client; unknown paths get index.html so client routes work."""
    if (FRONTEND / "node_modules").is_dir():
        app.mount(
            "/node_modules", StaticFiles(directory=FRONTEND / "node_modules"), name="node_modules"
        )
    if (FRONTEND / "src").is_dir():
        app.mount("/src", StaticFiles(directory=FRONTEND / "src"), name="src")
    index = FRONTEND / "index.html"

    @app.get("/{path:path}", include_in_schema=False, responses=errors.problems(errors.NotFound))
    async def client(path: str) -> FileResponse:
        if path.startswith("api/"):
            raise errors.NotFound("No such endpoint")
        candidate = (FRONTEND / path).resolve()
        if (
            path
            and candidate.is_file()
            and FRONTEND in candidate.parents
            and candidate.suffix in {".html", ".css", ".js", ".svg", ".png", ".ico", ".json"}
        ):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

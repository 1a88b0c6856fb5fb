"""Domain errors with a stable `code`, and their one translation to problem+json (RFC 9457)."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# PostgreSQL's query_canceled (statement_timeout) and lock_not_available (lock_timeout).
CANCELLED_BY_TIMEOUT = frozenset({"57014", "55P03"})


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        keep_changes: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers
        # True when the request's transaction must commit although the request is refused.
        self.keep_changes = keep_changes
        self.extra = extra


def error(status: int, code: str, title: str) -> type[DomainError]:
    """A DomainError subclass with a fixed status, code and title."""
    return type(
        "".join(part.title() for part in code.split("_")) + "Error",
        (DomainError,),
        {"status": status, "code": code, "title": title},
    )


NotFound = error(404, "not_found", "Not found")
NotAuthenticated = error(401, "not_authenticated", "Not signed in")
InvalidCredentials = error(401, "invalid_credentials", "Wrong e-mail address or password")
TokenInvalid = error(401, "token_invalid", "The token is invalid or expired")
AccountNotActivated = error(403, "account_not_activated", "The account is not activated yet")
AccountDisabled = error(403, "account_disabled", "The account is disabled")
Forbidden = error(403, "forbidden", "Not allowed for this account")
RateLimited = error(429, "rate_limited", "Too many attempts")
LinkExpired = error(400, "link_expired", "The link has expired")
LinkUsed = error(400, "link_used", "The link was already used or replaced by a newer one")
LinkInvalid = error(400, "link_invalid", "The link is not valid")
WeakPassword = error(422, "weak_password", "The password does not meet the rules")
WrongPassword = error(400, "wrong_password", "The current password is wrong")
Conflict = error(409, "conflict", "Conflict")
AlreadyActivated = error(409, "already_activated", "The account is already activated")
EmailTaken = error(409, "email_taken", "An account with this e-mail address exists")
PhaseClosed = error(409, "phase_closed", "The campaign's deadline has passed")
PreconditionFailed = error(412, "precondition_failed", "The object changed since you read it")
PreconditionRequired = error(428, "precondition_required", "If-Match header required")
ServiceUnavailable = error(503, "service_unavailable", "Temporarily unavailable")


class FieldError(DomainError):
    """A validation error of the domain (not of the body's shape), at named fields."""

    status = 422
    code = "validation_error"
    title = "The input is not valid"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None) -> None:
        super().__init__(detail, errors=errors)

    @classmethod
    def at(cls, field: str, code: str, message: str) -> "FieldError":
        return cls([{"field": field, "code": code, "message": message}])


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"https://stagematch.be/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "contact_person", "email") -> "contact_person.email"; drop the location part.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e["loc"])), "code": e["type"], "message": e["msg"]}
            for e in exc.errors()
        ]
        return problem(422, "validation_error", "The input is not valid", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}.get(
            exc.status_code, "http_error"
        )
        return problem(exc.status_code, code, str(exc.detail), headers=exc.headers)

    def _unavailable() -> JSONResponse:
        return problem(
            503,
            "service_unavailable",
            "The database is unavailable",
            "Try again in a moment",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return _unavailable()

    @app.exception_handler(ConnectionError)
    async def _connection_refused(_: Request, exc: ConnectionError) -> JSONResponse:
        # asyncpg raises the socket's own error when it cannot reach the server at all.
        log.warning("database unreachable: %s", exc)
        return _unavailable()

    async def _db_hung(_: Request, exc: Exception) -> JSONResponse:
        # The database stopped answering within DB_STATEMENT_TIMEOUT_SECONDS (the driver's own
        # timeout), or no pooled connection came free within DB_POOL_TIMEOUT_SECONDS.
        log.warning("database did not answer in time: %s", exc.__class__.__name__)
        return _unavailable()

    app.add_exception_handler(TimeoutError, _db_hung)
    app.add_exception_handler(PoolTimeout, _db_hung)

    @app.exception_handler(DBAPIError)
    async def _db_error(_: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return _unavailable()
        if getattr(exc.orig, "sqlstate", None) in CANCELLED_BY_TIMEOUT:
            log.warning("database statement timed out")
            return _unavailable()
        log.exception("database error")
        return problem(500, "internal_error", "Internal error")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "internal_error", "Internal error")

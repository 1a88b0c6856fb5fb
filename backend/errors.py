"""Domain errors with a stable `code`, and their one translation to problem+json (RFC 9457).

The registry of problem types (one per code), the declarations of which endpoint answers
which (`problems(...)` on an endpoint, `@declares(...)` on a dependency) and, in the test
suite, the check that an endpoint answers nothing it does not declare."""

import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# PostgreSQL's query_canceled (statement_timeout) and lock_not_available (lock_timeout).
CANCELLED_BY_TIMEOUT = frozenset({"57014", "55P03"})


# Every problem type, by its code: the one list of what the API can answer (issue 14). The
# OpenAPI document, the check that each endpoint declares what it raises, and the test that
# the client's catalogs translate every code are all read from here.
REGISTRY: dict[str, type["DomainError"]] = {}


class DuplicateProblemCode(TypeError):
    """Two problem types claim one code: a client could not tell them apart."""


class DomainError(Exception):
    """A refusal the API answers as problem+json. Each subclass that sets its own `code` is
    a problem type and registers itself once."""

    # The base's own answer (never raised as such; not registered, so undeclared anywhere).
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            return  # a subclass that refines behaviour, not a new problem type
        if cls.code in REGISTRY:
            raise DuplicateProblemCode(
                f"problem code {cls.code!r} of {cls.__qualname__} is already "
                f"{REGISTRY[cls.code].__module__}.{REGISTRY[cls.code].__qualname__}"
            )
        REGISTRY[cls.code] = cls

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


ProblemType = type[DomainError]


def error(status: int, code: str, title: str) -> ProblemType:
    """A problem type with a fixed status, code and title, registered under its code."""
    return type(
        "".join(part.title() for part in code.split("_")) + "Error",
        (DomainError,),
        {"status": status, "code": code, "title": title, "__module__": _caller_module()},
    )


def _caller_module() -> str:
    # The module that called error(...), so that a duplicate names where both live.
    return str(sys._getframe(2).f_globals.get("__name__", __name__))


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
WrongPassword = error(400, "wrong_password", "The current password is wrong")
Conflict = error(409, "conflict", "Conflict")
AlreadyActivated = error(409, "already_activated", "The account is already activated")
EmailTaken = error(409, "email_taken", "An account with this e-mail address exists")
PhaseClosed = error(409, "phase_closed", "The campaign's deadline has passed")
PreconditionFailed = error(412, "precondition_failed", "The object changed since you read it")
PreconditionRequired = error(428, "precondition_required", "If-Match header required")
# Answered by the handlers below and the body-size middleware rather than raised by a service.
ServiceUnavailable = error(503, "service_unavailable", "The database is unavailable")
InternalError = error(500, "internal_error", "Internal error")
# Sealed data (national numbers, TOTP secrets: backend/crypto.py) that no key of DATA_KEY opens.
DataKeyMismatch = error(
    503, "data_key_mismatch", "Stored data cannot be decrypted with the configured DATA_KEY"
)
PayloadTooLarge = error(413, "payload_too_large", "The request body is too large")
MethodNotAllowed = error(405, "method_not_allowed", "Method Not Allowed")
# Any other HTTPException: FastAPI's 400 for a body it could not parse, for one.
HttpError = error(400, "http_error", "Bad request")
# A POST's `Idempotency-Key` (backend/idempotency/middleware.py), answered before the endpoint.
IdempotencyKeyReused = error(
    422, "idempotency_key_reused", "This Idempotency-Key was used for another request"
)
IdempotencyInProgress = error(
    409, "idempotency_in_progress", "A request with this Idempotency-Key is still running"
)


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


def answer(
    kind: ProblemType,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    title: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """The problem+json answer of a registered type, for what answers without raising
    (handlers, middleware, the readiness check)."""
    return problem(kind.status, kind.code, title or kind.title, detail, headers, **extra)


# --- declarations: which endpoint can answer which problem --------------------------------

STATUS_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not signed in, or the token is invalid, expired or revoked",
    403: "Not allowed for this account or token",
    404: "Not found, or not visible to this account",
    405: "The path does not take this method",
    409: "Conflict with the current state",
    412: "The object changed since it was read (If-Match)",
    413: "The body is larger than the operation takes (1 MB; the import's file 5 MB)",
    422: "The input is not valid; `errors` names each field",
    428: "If-Match header required",
    429: "Too many requests; retry after `Retry-After` seconds (see the `RateLimit-*` headers)",
    500: "Internal error; quote the X-Request-ID",
    503: "Unavailable; retry after `Retry-After` seconds",
}
# What any operation can answer, declared here once rather than on each endpoint: every
# operation is rate limited (per caller: backend/auth/quota.py; per address: sign-in).
EVERYWHERE: tuple[ProblemType, ...] = (
    ServiceUnavailable,
    DataKeyMismatch,
    InternalError,
    RateLimited,
)
# What the application answers outside any operation: a path no route matches (NotFound),
# a method the path does not take. Listed in the OpenAPI document's catalogue.
OUTSIDE_OPERATIONS: tuple[ProblemType, ...] = (NotFound, MethodNotAllowed)
# What every POST can answer for its `Idempotency-Key` header (a malformed one is a
# validation_error of the field `Idempotency-Key`).
IDEMPOTENCY_PROBLEMS: tuple[ProblemType, ...] = (IdempotencyKeyReused, IdempotencyInProgress)
PROBLEMS_ATTRIBUTE = "__problems__"


def _example(kind: ProblemType) -> dict[str, Any]:
    return {
        "type": f"https://stagematch.be/problems/{kind.code}",
        "title": kind.title,
        "status": kind.status,
        "code": kind.code,
    }


def problems(*kinds: ProblemType) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of an endpoint that raises `kinds`: per status, problem+json whose
    `code` is one of theirs (also listed as `x-problem-codes`), with an example each. The
    check of declared errors (install) and the OpenAPI document read it back."""
    by_status: dict[int, list[ProblemType]] = {}
    for kind in sorted(set(kinds), key=lambda k: (k.status, k.code)):
        by_status.setdefault(kind.status, []).append(kind)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, of_status in by_status.items():
        codes = [k.code for k in of_status]
        schema = {
            "allOf": [
                {"$ref": "#/components/schemas/Problem"},
                {"properties": {"code": {"enum": codes}}},
            ]
        }
        responses[status] = {
            "description": STATUS_DESCRIPTIONS.get(status, "Error")
            + ": "
            + ", ".join(f"`{c}`" for c in codes),
            "content": {
                PROBLEM_JSON: {
                    "schema": schema,
                    "examples": {
                        k.code: {"summary": k.title, "value": _example(k)} for k in of_status
                    },
                }
            },
            "x-problem-codes": codes,
        }
    return responses


F = TypeVar("F", bound=Callable[..., Any])


def declares(
    *kinds: ProblemType, when: Callable[[set[str]], bool] | None = None
) -> Callable[[F], F]:
    """Marks a dependency as raising `kinds`, so that every endpoint depending on it
    (directly, through another dependency or through its router) declares them; `when`
    narrows that to the endpoints whose HTTP methods it accepts."""

    def mark(dependency: F) -> F:
        setattr(dependency, PROBLEMS_ATTRIBUTE, (kinds, when))
        return dependency

    return mark


def _from_dependencies(dependant: Any, methods: set[str]) -> Iterator[ProblemType]:
    for sub in dependant.dependencies:
        kinds, when = getattr(sub.call, PROBLEMS_ATTRIBUTE, ((), None))
        if when is None or when(methods):
            yield from kinds
        yield from _from_dependencies(sub, methods)


def declared(route: Any) -> dict[str, ProblemType]:
    """Every problem an operation declares, by code: its own `problems(...)`, its
    dependencies' `declares(...)`, what follows from its shape (parameters can be invalid,
    a body too large or unparsable) and EVERYWHERE. `route` is an APIRoute or FastAPI's
    route context (which adds the including routers' dependencies)."""
    kinds: list[ProblemType] = list(EVERYWHERE)
    for response in (route.responses or {}).values():
        kinds += [REGISTRY[code] for code in response.get("x-problem-codes", ())]
    kinds += _from_dependencies(route.dependant, set(route.methods or ()))
    if route.body_field is not None:
        kinds += [PayloadTooLarge, HttpError]
    if route.body_field is not None or get_flat_params(route.dependant):
        kinds.append(FieldError)
    if "POST" in (route.methods or ()):
        kinds += [*IDEMPOTENCY_PROBLEMS, FieldError]
    return {kind.code: kind for kind in kinds}


def _declared_codes(app: FastAPI, route: APIRoute) -> frozenset[str]:
    # Per original route, over every router that includes it; computed once per route.
    cache: dict[int, frozenset[str]] | None = getattr(app.state, "declared_codes", None)
    if cache is None:
        cache = app.state.declared_codes = {}
    if id(route) not in cache:
        codes: set[str] = set()
        for context in iter_route_contexts(app.routes):
            if context.original_route is route:
                codes |= declared(context).keys()
        cache[id(route)] = frozenset(codes or declared(route))
    return cache[id(route)]


def _undeclared(request: Request, exc: DomainError) -> JSONResponse | None:
    """With CHECK_DECLARED_ERRORS (the test suite), a problem its endpoint does not declare
    answers 500 undeclared_error instead, so that any test provoking it fails loudly."""
    if not request.app.state.settings.check_declared_errors:
        return None
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or exc.code in _declared_codes(request.app, route):
        return None
    where = f"{request.method} {route.path}"
    log.error("undeclared problem %s raised by %s", exc.code, where)
    return problem(
        500,
        "undeclared_error",
        "An endpoint raised a problem it does not declare",
        f"{exc.code} is not declared on {where}: add it to the endpoint's problems(...)",
        undeclared_code=exc.code,
        route=where,
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "contact_person", "email") -> "contact_person.email"; drop the location part.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return _undeclared(request, exc) or problem(
            exc.status, exc.code, exc.title, exc.detail, exc.headers, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e["loc"])), "code": e["type"], "message": e["msg"]}
            for e in exc.errors()
        ]
        return answer(FieldError, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: NotFound, 405: MethodNotAllowed, 401: NotAuthenticated}.get(
            exc.status_code, HttpError
        )
        # The status is the exception's own: HttpError stands for any other one.
        return problem(exc.status_code, kind.code, str(exc.detail), headers=exc.headers)

    def _unavailable() -> JSONResponse:
        return answer(ServiceUnavailable, "Try again in a moment", headers={"Retry-After": "5"})

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
        return answer(InternalError)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return answer(InternalError)

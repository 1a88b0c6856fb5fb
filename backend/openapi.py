"""The OpenAPI document worth reading: tags per domain, a summary on every operation, and the
problem+json schema with the codes each operation can answer."""

import re
from collections.abc import Sequence
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from backend.auth.deps import WRITE_METHODS
from backend.errors import PROBLEM_JSON

OPENAPI_TAGS = [
    {
        "name": "auth",
        "description": "Sign in, refresh and sign out; activation and password "
        "reset by the links mailed. Public, rate limited per account and client address, per "
        "account and per address.",
    },
    {"name": "account", "description": "The signed-in user: who am I, language, password."},
    {
        "name": "api tokens",
        "description": "An organisation's tokens for scripts "
        "(`Authorization: Bearer smt_...`): read-only or read-write, optional expiry, shown once. "
        "Managed by a person signed in with a password, never with an API token.",
    },
    {
        "name": "organisations",
        "description": "Schools and services (admin): create and invite, "
        "edit, disable, unlock sign-in; a service's capacity.",
    },
    {
        "name": "campaigns",
        "description": "School years and tracks (duaal, stage) with their "
        "deadlines; the phase follows from them.",
    },
    {
        "name": "supervisors",
        "description": "A school's workplace supervisors (werkplekbegeleiders).",
    },
    {
        "name": "placement requests",
        "description": "Pupils' placement requests: a school enters "
        "and follows its own, imports them as CSV; services browse; the admin sees all.",
    },
    {
        "name": "placement requests: services",
        "description": "A service's actions on a request: "
        "invite, withdraw, decline, accept, release; its accepted pupils as CSV or XLSX.",
    },
    {
        "name": "reference",
        "description": "Postcodes, municipalities and provinces; checks of national numbers.",
    },
    {
        "name": "events",
        "description": "Live updates as server-sent events, so open pages refresh by themselves.",
    },
    {
        "name": "admin",
        "description": "The sector organisation's dashboard, exports, audit log, "
        "mail outbox and data-subject requests.",
    },
]

# Codes that any operation of a kind can answer, besides its own.
_AUTH_CODES = ["not_authenticated", "token_invalid"]
_FORBIDDEN_CODES = ["account_disabled", "forbidden"]
# The public auth router's own answers (its service raises them; it declares no responses).
_SIGN_IN = {"401": ["invalid_credentials"], "403": ["account_not_activated", "account_disabled"]}
_LINK = {"400": ["link_invalid", "link_used", "link_expired"], "403": ["account_disabled"]}
_OWN_CODES = {
    ("post", "/api/v1/auth/login"): {
        **_SIGN_IN,
        "401": ["invalid_credentials", "mfa_required", "invalid_code"],
        "429": ["rate_limited"],
    },
    ("post", "/api/v1/auth/token"): {
        **_SIGN_IN,
        "403": [*_SIGN_IN["403"], "mfa_use_api_token"],
        "429": ["rate_limited"],
    },
    ("post", "/api/v1/auth/refresh"): {"401": ["token_invalid"], "403": ["account_disabled"]},
    ("post", "/api/v1/auth/activate"): _LINK,
    ("post", "/api/v1/auth/password/reset"): _LINK,
    ("post", "/api/v1/auth/activation/resend"): {"429": ["rate_limited"]},
    ("post", "/api/v1/auth/password/forgot"): {"429": ["rate_limited"]},
    ("post", "/api/v1/me/password"): {"400": ["wrong_password"]},
    ("post", "/api/v1/me/mfa"): {"409": ["mfa_already_enabled"]},
    ("post", "/api/v1/me/mfa/confirm"): {
        "400": ["wrong_code"],
        "409": ["mfa_already_enabled", "mfa_not_started"],
    },
    ("delete", "/api/v1/me/mfa"): {
        "400": ["wrong_password", "wrong_code"],
        "409": ["mfa_not_enabled", "mfa_required_for_admins"],
    },
    ("post", "/api/v1/api-tokens"): {"409": ["too_many_tokens"]},
    ("delete", "/api/v1/api-tokens/{token_id}"): {"404": ["not_found"]},
    ("post", "/api/v1/organisations"): {"409": ["email_taken"]},
    ("patch", "/api/v1/organisations/{organisation_id}"): {"409": ["conflict"]},
    ("post", "/api/v1/organisations/{organisation_id}/invitation"): {"409": ["already_activated"]},
    ("get", "/api/v1/organisations/{organisation_id}/capacities"): {"409": ["not_a_service"]},
    ("put", "/api/v1/organisations/{organisation_id}/capacities/{campaign_id}"): {
        "409": ["not_a_service", "capacity_below_used"]
    },
    ("post", "/api/v1/campaigns"): {"409": ["duplicate_campaign"]},
    ("post", "/api/v1/campaigns/{campaign_id}/copy"): {"409": ["duplicate_campaign"]},
    ("get", "/api/v1/campaigns/current"): {"404": ["not_found"]},
    ("delete", "/api/v1/supervisors/{supervisor_id}"): {"409": ["supervisor_in_use"]},
    ("post", "/api/v1/placement-requests"): {
        "409": ["phase_closed", "no_open_campaign", "duplicate_request"]
    },
    ("post", "/api/v1/placement-requests/import"): {
        "409": ["phase_closed", "no_open_campaign", "duplicate_request"],
        "422": ["import_invalid", "import_unreadable", "import_too_large"],
    },
    ("patch", "/api/v1/placement-requests/{request_id}"): {
        "409": ["phase_closed", "request_locked", "request_withdrawn", "duplicate_request"],
        "412": ["precondition_failed"],
        "428": ["precondition_required"],
    },
    ("delete", "/api/v1/placement-requests/{request_id}"): {
        "409": ["phase_closed", "request_locked", "request_withdrawn"],
        "412": ["precondition_failed"],
    },
    ("get", "/api/v1/admin/dashboard"): {"404": ["not_found"]},
    ("get", "/api/v1/admin/exports/requests"): {"404": ["not_found"]},
}
# Where an API token answers 403 session_required (see deps.signed_in_user).
_SESSION_ONLY_PREFIXES = ("/api/v1/me/password", "/api/v1/me/mfa", "/api/v1/api-tokens")
# What an admin without the required second factor reaches (deps.enrolment_scope); every
# other private operation can answer 403 mfa_enrollment_required.
_BEFORE_SECOND_FACTOR = {
    ("get", "/api/v1/me"),
    ("post", "/api/v1/me/mfa"),
    ("post", "/api/v1/me/mfa/confirm"),
    ("delete", "/api/v1/me/mfa"),
}

PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "An error as RFC 9457 problem details, with a stable machine-readable `code`; "
    "some codes add members (`errors`, `retry_after`, `deadline`...).",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri",
            "examples": ["https://stagematch.be/problems/phase_closed"],
        },
        "title": {"type": "string", "examples": ["The campaign's deadline has passed"]},
        "status": {"type": "integer", "examples": [409]},
        "code": {"type": "string", "examples": ["phase_closed"]},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}},
    },
    "additionalProperties": True,
}
FIELD_PROBLEM_SCHEMA = {
    "title": "FieldProblem",
    "type": "object",
    "required": ["field", "code", "message"],
    "properties": {
        "field": {"type": "string", "examples": ["contact_person.email"]},
        "code": {"type": "string", "examples": ["missing"]},
        "message": {"type": "string"},
    },
}
_DESCRIPTIONS = {
    "400": "Bad request",
    "401": "Not signed in, or the token is invalid, expired or revoked",
    "403": "Not allowed for this account or token",
    "404": "Not found, or not visible to this account",
    "409": "Conflict with the current state",
    "412": "The object changed since it was read (If-Match)",
    "413": "The body is larger than the operation takes (1 MB; the import's file 5 MB)",
    "422": "The input is not valid; `errors` names each field",
    "428": "If-Match header required",
    "429": "Too many attempts; retry after `Retry-After` seconds",
    "500": "Internal error; quote the X-Request-ID",
    "503": "The database is unavailable; retry after `Retry-After` seconds",
}


def _problem_content(codes: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"$ref": "#/components/schemas/Problem"}
    if codes:
        schema = {"allOf": [schema, {"properties": {"code": {"enum": sorted(set(codes))}}}]}
    return {PROBLEM_JSON: {"schema": schema}}


def _add(responses: dict[str, Any], status: str, codes: list[str]) -> None:
    response = responses.setdefault(status, {"description": _DESCRIPTIONS.get(status, "Error")})
    known = response.pop("x-problem-codes", [])
    response["x-problem-codes"] = sorted(set(known) | set(codes))


def _summary(route: APIRoute | None, operation: dict[str, Any]) -> None:
    # Without an explicit summary FastAPI titles the function's name; the docstring's first
    # line says more.
    if route is None or route.summary or not route.description:
        return
    first = route.description.strip().split("\n\n")[0].replace("\n", " ")
    first = re.split(r"; |: `", first)[0].rstrip(".")
    if len(first) > 100:
        first = first[:100].rsplit(" ", 1)[0] + "…"
    operation["summary"] = first


def document_errors(schema: dict[str, Any], routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """Adds the Problem schema and, on each operation, the error responses it can give with
    their codes; fills missing summaries from docstrings."""
    by_operation = {
        (context.path_format, method.lower()): context.original_route
        for context in iter_route_contexts(routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.methods or ()
    }
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["FieldProblem"] = FIELD_PROBLEM_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _summary(by_operation.get((path, method)), operation)
            responses = operation["responses"]
            if operation.get("security"):
                _add(responses, "401", _AUTH_CODES)
                forbidden = list(_FORBIDDEN_CODES)
                if method.upper() in WRITE_METHODS:
                    forbidden.append("read_only_token")
                if path.startswith(_SESSION_ONLY_PREFIXES):
                    forbidden.append("session_required")
                if (method, path) not in _BEFORE_SECOND_FACTOR:
                    forbidden.append("mfa_enrollment_required")
                _add(responses, "403", forbidden)
            if "{" in path:
                # An object the caller may not know answers exactly as one that does not exist.
                _add(responses, "404", ["not_found"])
            if "422" in responses:
                _add(responses, "422", ["validation_error"])
            if "requestBody" in operation:
                _add(responses, "413", ["payload_too_large"])
            for status, own in _OWN_CODES.get((method, path), {}).items():
                _add(responses, status, own)
            _add(responses, "503", ["service_unavailable"])
            _add(responses, "500", ["internal_error"])
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    codes = response.pop("x-problem-codes", [])
                    response["content"] = _problem_content(codes)
                    if codes:
                        response["description"] = (
                            (response.get("description") or _DESCRIPTIONS.get(status, "Error"))
                            + ": "
                            + ", ".join(f"`{c}`" for c in codes)
                        )
    # FastAPI's own validation-error shape is not what this API answers.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema

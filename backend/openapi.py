"""The OpenAPI document worth reading: tags per domain, a summary on every operation, and the
problem+json schema with the codes each operation declares (backend/errors.py), and nothing
else: there is no second list of codes here."""

import re
from collections.abc import Sequence
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from backend.errors import OUTSIDE_OPERATIONS, REGISTRY, declared, problems

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
        "name": "webhooks",
        "description": "An organisation's endpoints that hear of changes: signed POSTs "
        "(`Stagematch-Signature`), retried with backoff, a delivery log; see "
        "docs/integrations.md.",
    },
    {
        "name": "admin",
        "description": "The sector organisation's dashboard, exports, audit log, "
        "mail outbox and data-subject requests.",
    },
    {
        "name": "texts",
        "description": "The public texts every page links to (the privacy statement, the "
        "accessibility statement), parsed into blocks; the admin edits them under /admin/texts.",
    },
]

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


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key with the same request (path, query, "
    "body) within 24 hours replays the first successful answer (`Idempotent-Replayed: "
    "true`) instead of doing it again; with another request it is `422 "
    "idempotency_key_reused`; while the first still runs, `409 idempotency_in_progress`. "
    "Keys are per API token or user. See docs/integrations.md.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


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


def _catalogue() -> dict[str, Any]:
    # Every code the API can answer, for an integrator's lookup table; `anywhere` marks the
    # ones answered outside any operation (a path or method that does not exist).
    return {
        code: {
            "status": kind.status,
            "title": kind.title,
            **({"anywhere": True} if kind in OUTSIDE_OPERATIONS else {}),
        }
        for code, kind in sorted(REGISTRY.items())
    }


def document_errors(schema: dict[str, Any], routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """Adds the Problem schema and, on each operation, the error responses it declares
    (errors.declared: its own problems(...), its dependencies', those of every operation);
    fills missing summaries from docstrings."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["FieldProblem"] = FIELD_PROBLEM_SCHEMA
    schema["x-problem-types"] = _catalogue()
    for context in iter_route_contexts(routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        item = schema["paths"].get(context.path_format, {})
        for method in context.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            _summary(context.original_route, operation)
            responses = operation["responses"]
            for status in [s for s in responses if s.isdigit() and int(s) >= 400]:
                del responses[status]  # FastAPI's own 422, and any partial declaration
            for status, response in problems(*declared(context).values()).items():
                responses[str(status)] = response
            if method == "POST":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    # FastAPI's own validation-error shape is not what this API answers.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema

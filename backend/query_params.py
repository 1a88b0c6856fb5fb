"""Unknown query parameters answer 422 `unknown_parameter` on every operation of the API, so
that a misspelt filter (`?stauts=open`) is never silently ignored and a script learns at once
that the API does not know it. What each operation knows is read from its own declaration
(its query parameters and their models, its dependencies' too), once per route."""

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from backend.errors import declares, error

UnknownParameter = error(422, "unknown_parameter", "The operation takes no such query parameter")

# Kept on each route, computed at its first request.
_KNOWN = "_known_query_parameters"


def _names(field: Any) -> list[str]:
    """The query names of one declared parameter: its alias, or each field of its model
    (`Annotated[RequestListParams, Query()]`)."""
    annotation = getattr(field.field_info, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return [field.alias]


def known_parameters(dependant: Dependant) -> frozenset[str]:
    """Every query parameter an operation (and each of its dependencies) declares."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            names.update(_names(field))
        pending.extend(current.dependencies)
    return frozenset(names)


@declares(UnknownParameter)
async def refuse_unknown_parameters(request: Request) -> None:
    """422 `unknown_parameter` naming each query parameter the operation does not declare
    (in `errors`, by field, as a validation error names its fields)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known: frozenset[str] | None = getattr(route, _KNOWN, None)
    if known is None:
        known = known_parameters(route.dependant)
        setattr(route, _KNOWN, known)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise UnknownParameter(
            f"Unknown query parameter: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            if known
            else f"Unknown query parameter: {', '.join(unknown)}; this operation takes none",
            errors=[
                {"field": name, "code": "unknown_parameter", "message": "Unknown parameter"}
                for name in unknown
            ],
        )

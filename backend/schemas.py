"""Shapes shared by every domain: strict input models and the paginated list."""

from typing import Generic, TypeVar

import orjson
from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class StrictModel(BaseModel):
    """Input bodies: an unknown field is a 422, so no request sets what it must not."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


def page_response(page: Page) -> Response:
    """A page whose items are plain JSON-ready dicts, encoded as they are (orjson). A list
    endpoint that returns this declares `response_model=Page[...]` for its documentation;
    FastAPI would otherwise validate every item again before encoding it, which costs several
    times the encoding on a page of 200 requests (docs/PERFORMANCE.md)."""
    body = {
        "items": page.items,
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }
    return Response(orjson.dumps(body), media_type="application/json")


class PageParams(BaseModel):
    # Bounded, so that a page far beyond the data is empty, never an offset that overflows
    # the database's integers.
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

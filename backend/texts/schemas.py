from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from backend.schemas import MultiLine, StrictModel

# The public pages' texts; `agreement` is the placement agreement's text (the admin's, not
# public: only the PDF shows it, filled in for one pupil).
PublicTextName = Literal["privacy", "accessibility"]
TextName = Literal["privacy", "accessibility", "agreement"]
Language = Literal["nl", "en"]


class Span(BaseModel):
    """A run of plain text, a link when `href` is set (https:, mailto:, tel: or a path)."""

    text: str
    href: str | None = None


class Block(BaseModel):
    """A heading (`##`), a subheading (`###`), a paragraph, or a list (`- ` lines)."""

    kind: Literal["heading", "subheading", "paragraph", "list"]
    spans: list[Span] = []
    items: list[list[Span]] = []


class TextRead(BaseModel):
    """A public text, filled in and parsed: the client renders the blocks, never HTML."""

    name: PublicTextName
    language: Language
    blocks: list[Block]
    is_default: bool
    updated_at: datetime | None


class TextSource(BaseModel):
    """What the admin edits: the current source and the default shipped with Stagematch."""

    name: TextName
    language: Language
    body: str
    default_body: str
    is_default: bool
    updated_at: datetime | None
    placeholders: list[str]
    max_length: int


class TextUpdate(StrictModel):
    body: MultiLine = Field(min_length=1, description="The text (a small Markdown subset)")

"""The texts the admin may replace without a code change: the public ones (the privacy
statement, the accessibility statement) and the placement agreement's. Each has a default per
language shipped in `defaults/`. A text is a small Markdown subset with placeholders; it is
parsed into blocks and spans on the server, so no text, the admin's included, ever reaches a
page as HTML. The public texts' placeholders are filled from the settings; the agreement's
with one pupil's values, as plain text into the parsed spans (`fill`), so a value never
becomes markup and a placeholder is a name, never an expression."""

import re
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.audit import service as audit
from backend.auth.actor import Actor
from backend.config import Settings
from backend.errors import error
from backend.texts.models import SiteText
from backend.texts.schemas import (
    Block,
    Language,
    PublicTextName,
    Span,
    TextName,
    TextRead,
    TextSource,
)

DEFAULTS = Path(__file__).parent / "defaults"
MAX_LENGTH = 20_000
PLACEHOLDERS = ("support_email", "support_phone", "support_hours", "retention_months", "public_url")
# The agreement's: what `placements.files.agreement` fills in for one accepted pupil.
AGREEMENT_PLACEHOLDERS = (
    *("pupil_name", "pupil_first_name", "pupil_last_name", "national_number", "birth_date"),
    *("pupil_address", "pupil_phone", "pupil_email"),
    *("school_name", "supervisor_name", "supervisor_phone", "supervisor_email"),
    *("service_name", "contact_name", "contact_phone", "contact_email"),
    *("start_date", "end_date", "hours_per_week", "days", "form", "track", "school_year"),
    *("accepted_date", "today"),
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# In the agreement anything between braces must be a known name: `{pupil_name.upper}` or
# `{0}` is refused when saved rather than printed as it is.
_BRACED = re.compile(r"\{([^{}\n]*)\}")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
# Where a link may lead: the web, a mail, a phone, or a page of Stagematch itself.
_SAFE_HREF = re.compile(r"(https://|mailto:|tel:|/(?!/))[^\s\"'<>\\]*")

TextTooLong = error(422, "text_too_long", f"The text is longer than {MAX_LENGTH} characters")
UnknownPlaceholder = error(
    422, "text_placeholder_unknown", "The text names a placeholder that does not exist"
)


def placeholders_of(name: TextName) -> tuple[str, ...]:
    return AGREEMENT_PLACEHOLDERS if name == "agreement" else PLACEHOLDERS


@cache
def default(name: TextName, language: Language) -> str:
    """The text shipped with Stagematch."""
    return (DEFAULTS / f"{name}.{language}.md").read_text(encoding="utf-8")


def _values(settings: Settings, language: Language) -> dict[str, str]:
    """What each placeholder becomes: the helpline as links, in the page's language."""
    email, phone = settings.support_email, settings.support_phone
    return {
        "support_email": f"[{email}](mailto:{email})",
        "support_phone": f"[{phone}](tel:{re.sub(r'[^+0-9]', '', phone)})",
        "support_hours": settings.support_hours_en if language == "en" else settings.support_hours,
        "retention_months": str(settings.retention_months),
        "public_url": settings.public_url.rstrip("/"),
    }


def check(name: TextName, body: str) -> None:
    """422 when the text is too long or names a placeholder that does not exist."""
    if len(body) > MAX_LENGTH:
        raise TextTooLong(max_length=MAX_LENGTH, length=len(body))
    known = placeholders_of(name)
    pattern = _BRACED if name == "agreement" else _PLACEHOLDER
    unknown = sorted({m.group(1) for m in pattern.finditer(body)} - set(known))
    if unknown:
        raise UnknownPlaceholder(
            f"Unknown placeholders: {', '.join(unknown)}; known: {', '.join(known)}",
            unknown=unknown,
            known=list(known),
        )


def _spans(line: str) -> list[Span]:
    """Plain text and `[label](href)` links; a link to anywhere else stays plain text."""
    spans: list[Span] = []
    position = 0
    for found in _LINK.finditer(line):
        if found.start() > position:
            spans.append(Span(text=line[position : found.start()]))
        label, href = found.group(1), found.group(2)
        safe = _SAFE_HREF.fullmatch(href) is not None
        spans.append(Span(text=label, href=href if safe else None))
        position = found.end()
    if position < len(line):
        spans.append(Span(text=line[position:]))
    return spans


def parse(text: str) -> list[Block]:
    """`## ` headings, `### ` subheadings, `- ` list items, paragraphs between blank lines."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    items: list[list[Span]] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(kind="paragraph", spans=_spans(" ".join(paragraph))))
            paragraph.clear()
        if items:
            blocks.append(Block(kind="list", items=list(items)))
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("### "):
            flush()
            blocks.append(Block(kind="subheading", spans=_spans(line[4:].strip())))
        elif line.startswith(("## ", "# ")):
            flush()
            blocks.append(Block(kind="heading", spans=_spans(line.lstrip("#").strip())))
        elif line.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(_spans(line[2:].strip()))
        elif items and raw[:1].isspace():
            items[-1].extend(_spans(" " + line))  # a list item continued on the next line
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return blocks


def render(body: str, settings: Settings, language: Language) -> list[Block]:
    values = _values(settings, language)
    return parse(_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body))


def fill(body: str, values: dict[str, str]) -> list[Block]:
    """The text parsed first, then each `{name}` of a span replaced by its value as plain text:
    a value (a pupil's name, say) can never add a heading, a list or a link."""

    def filled(spans: list[Span]) -> list[Span]:
        return [
            span.model_copy(
                update={
                    "text": _PLACEHOLDER.sub(
                        lambda m: values.get(m.group(1), m.group(0)), span.text
                    )
                }
            )
            for span in spans
        ]

    return [
        block.model_copy(
            update={"spans": filled(block.spans), "items": [filled(i) for i in block.items]}
        )
        for block in parse(body)
    ]


async def _row(session: AsyncSession, name: TextName, language: Language) -> SiteText | None:
    return await session.scalar(
        select(SiteText).where(SiteText.name == name, SiteText.language == language)
    )


async def current(session: AsyncSession, name: TextName, language: Language) -> str:
    """The text's source now: the admin's, else the default."""
    row = await _row(session, name, language)
    return row.body if row is not None else default(name, language)


async def read(
    session: AsyncSession, settings: Settings, name: PublicTextName, language: Language
) -> TextRead:
    """The current text (the admin's, else the default), filled in and parsed."""
    row = await _row(session, name, language)
    body = row.body if row is not None else default(name, language)
    return TextRead(
        name=name,
        language=language,
        blocks=render(body, settings, language),
        is_default=row is None,
        updated_at=row.updated_at if row is not None else None,
    )


def _source(name: TextName, language: Language, row: SiteText | None) -> TextSource:
    return TextSource(
        name=name,
        language=language,
        body=row.body if row is not None else default(name, language),
        default_body=default(name, language),
        is_default=row is None,
        updated_at=row.updated_at if row is not None else None,
        placeholders=list(placeholders_of(name)),
        max_length=MAX_LENGTH,
    )


async def source(session: AsyncSession, name: TextName, language: Language) -> TextSource:
    """The text as the admin edits it."""
    return _source(name, language, await _row(session, name, language))


async def replace(
    session: AsyncSession,
    actor: Actor,
    name: TextName,
    language: Language,
    body: str,
    client_address: str | None,
) -> TextSource:
    """The admin's version replaces the current one (checked, audited with its length)."""
    check(name, body)
    row = await _row(session, name, language)
    if row is None:
        row = SiteText(name=name, language=language, body=body, updated_at=clock.now())
        session.add(row)
    row.body = body
    row.updated_at = clock.now()
    row.updated_by_user_id = actor.user.id
    audit.record(
        session,
        "text_changed",
        actor=actor,
        object_type="text",
        object_id=f"{name}.{language}",
        client_address=client_address,
        length=len(body),
    )
    await session.flush()
    return _source(name, language, row)


async def reset(
    session: AsyncSession,
    actor: Actor,
    name: TextName,
    language: Language,
    client_address: str | None,
) -> TextSource:
    """Back to the default text (audited)."""
    await session.execute(
        delete(SiteText).where(SiteText.name == name, SiteText.language == language)
    )
    audit.record(
        session,
        "text_reset",
        actor=actor,
        object_type="text",
        object_id=f"{name}.{language}",
        client_address=client_address,
    )
    return _source(name, language, None)

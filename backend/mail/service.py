"""The outbox: mails are rendered and stored in the caller's transaction, never sent here."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.config import get_settings
from backend.db import after_commit
from backend.mail import worker
from backend.mail.models import OutboxMail

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, language: str, context: dict[str, Any]) -> RenderedMail:
    """Renders `<template>.<lang>.txt` (first line `Subject: …`) and its `.html` twin."""
    language = language if language in LANGUAGES else "nl"
    settings = get_settings()
    context = {
        "support_email": settings.support_email,
        "support_phone": settings.support_phone,
        "support_hours": settings.support_hours,
        "language": language,
        **context,
    }
    env = _environment()
    text = env.get_template(f"{template}.{language}.txt").render(context)
    first_line, _, body = text.partition("\n")
    if not first_line.startswith("Subject: "):
        raise ValueError(f"{template}.{language}.txt must start with 'Subject: '")
    html = env.get_template(f"{template}.{language}.html").render(context)
    return RenderedMail(first_line.removeprefix("Subject: ").strip(), body.lstrip("\n"), html)


def link(path: str, **params: str) -> str:
    """A link to the client under PUBLIC_URL, e.g. link('/activate', token=t)."""
    base = get_settings().public_url.rstrip("/")
    return f"{base}{path}" + (f"?{urlencode(params)}" if params else "")


def enqueue(
    session: AsyncSession, to: str, template: str, language: str, **context: Any
) -> OutboxMail:
    """Adds a rendered mail to the outbox in the session's transaction."""
    rendered = render(template, language, context)
    at = clock.now()
    mail = OutboxMail(
        to_address=to,
        template=template,
        language=language,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        created_at=at,
        next_attempt_at=at,
    )
    session.add(mail)
    after_commit(session, worker.wake)
    return mail

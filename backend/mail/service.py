"""The outbox: mails are rendered and stored in the caller's transaction, never sent here."""

import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.config import Settings
from backend.db import after_commit
from backend.mail.models import OutboxMail
from backend.mail.outbox import TOKEN_PLACEHOLDER, one_line, wake

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class Site:
    """What every mail says of the site: where its links lead (PUBLIC_URL), whom to ask."""

    public_url: str
    support: dict[str, str]


_site: Site | None = None


def configure(settings: Settings) -> None:
    """Takes PUBLIC_URL and the support contacts from `settings` (create_app and the CLI's
    commands call it first): mails are rendered when they are queued, deep in a transaction."""
    global _site
    _site = Site(
        public_url=settings.public_url.rstrip("/"),
        support={
            "support_email": settings.support_email,
            "support_phone": settings.support_phone,
            "support_hours": settings.support_hours,
        },
    )


def _configured() -> Site:
    if _site is None:
        raise RuntimeError("no PUBLIC_URL: the entry point calls backend.startup.configure() first")
    return _site


@dataclass(frozen=True)
class SecretLink:
    """A link whose token opens an account (activation, reset): it never rests in clear."""

    path: str
    token: str


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


@cache
def _text_template(name: str) -> tuple[Template, Template]:
    """The subject line and the body of a text template, compiled apart: a value with a line
    break (a name stored past the API's checks) stays inside the subject instead of ending it."""
    env = _environment()
    assert env.loader is not None  # _environment() always gives it one
    source, _, _ = env.loader.get_source(env, name)
    first_line, _, body = source.partition("\n")
    if not first_line.startswith("Subject: "):
        raise ValueError(f"{name} must start with 'Subject: '")
    return env.from_string(first_line.removeprefix("Subject: ")), env.from_string(body)


def render(template: str, language: str, context: dict[str, Any]) -> RenderedMail:
    """Renders `<template>.<lang>.txt` (first line `Subject: …`) and its `.html` twin."""
    language = language if language in LANGUAGES else "nl"
    context = {
        **_configured().support,
        "language": language,
        **context,
    }
    subject, text = _text_template(f"{template}.{language}.txt")
    html = _environment().get_template(f"{template}.{language}.html").render(context)
    # Cut to the column's 300 characters: a long name must not fail the change that mails.
    subject_line = one_line(subject.render(context))[:300]
    return RenderedMail(subject_line, text.render(context).lstrip("\n"), html)


def link(path: str, **params: str) -> str:
    """A link to the client under PUBLIC_URL, e.g. link('/school/requests/<id>')."""
    return f"{_configured().public_url}{path}" + (f"?{urlencode(params)}" if params else "")


def secret_link(path: str, token: str) -> SecretLink:
    """A link with a single-use `token=` (e.g. '/activate'), for `enqueue`'s context."""
    return SecretLink(path, token)


def enqueue(
    session: AsyncSession,
    to: str,
    template: str,
    language: str,
    *,
    placement_request_id: uuid.UUID | None = None,
    **context: Any,
) -> OutboxMail:
    """Adds a rendered mail to the outbox in the session's transaction; a `SecretLink` in the
    context is stored encrypted and put into the mail only when the worker sends it. A mail
    about one pupil names its request (`placement_request_id`): the school's record lists it."""
    secret_links = {k: v for k, v in context.items() if isinstance(v, SecretLink)}
    if len(secret_links) > 1:
        raise ValueError("a mail carries at most one secret link")
    sealed = None
    for key, secret in secret_links.items():
        context[key] = link(secret.path, token=TOKEN_PLACEHOLDER)
        sealed = crypto.encrypt(secret.token)
    rendered = render(template, language, context)
    at = clock.now()
    mail = OutboxMail(
        to_address=to,
        placement_request_id=placement_request_id,
        template=template,
        language=language,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        link_token_encrypted=sealed,
        created_at=at,
        next_attempt_at=at,
    )
    session.add(mail)
    after_commit(session, wake)
    return mail

"""The outbox: mails are rendered and stored in the caller's transaction, never sent here."""

import uuid
from collections.abc import Sequence
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
from backend.reference.contact import display_phone, phone_uri

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class Site:
    """What every mail says of the site: where its links lead (PUBLIC_URL), whom to ask and
    when (in each language), where the privacy statement is."""

    public_url: str
    support_email: str
    support_phone: str
    support_hours: dict[str, str]

    def context(self, language: str) -> dict[str, str]:
        """The values of every mail's footer, in `language`."""
        return {
            "support_email": self.support_email,
            "support_phone": self.support_phone,
            "support_hours": self.support_hours[language],
            "privacy_url": f"{self.public_url}/privacy",
        }


_site: Site | None = None


def configure(settings: Settings) -> None:
    """Takes PUBLIC_URL and the support contacts from `settings` (create_app and the CLI's
    commands call it first): mails are rendered when they are queued, deep in a transaction."""
    global _site
    _site = Site(
        public_url=settings.public_url.rstrip("/"),
        support_email=settings.support_email,
        support_phone=settings.support_phone,
        support_hours={"nl": settings.support_hours, "en": settings.support_hours_en},
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
class Attachment:
    """A file sent with a mail (a calendar event): text, sent as its own MIME part."""

    filename: str
    content_type: str  # with its parameters: "text/calendar; method=REQUEST; charset=utf-8"
    content: str

    def stored(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content": self.content,
        }


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _phone(number: str, language: str) -> str:
    """A stored number as people read it: nationally in Dutch mails ("059 12 34 56"),
    internationally in English ones ("+32 59 12 34 56"); never raw E.164."""
    return display_phone(number, international=language != "nl")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["phone"] = _phone
    env.filters["tel"] = phone_uri
    return env


def templates() -> list[str]:
    """The names of the mails (`<name>.<lang>.txt`); files starting with `_` are pieces."""
    return sorted(
        {p.name.split(".")[0] for p in TEMPLATES.glob("*.*.txt") if not p.name.startswith("_")}
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
    """Renders `<template>.<lang>.txt` (first line `Subject: …`) and its `.html` twin (which
    extends base.html); the text gets the footer of `_footer.<lang>.txt`, so that both parts
    name the helpdesk and the privacy statement, whatever the template."""
    language = language if language in LANGUAGES else "nl"
    context = {
        **_configured().context(language),
        "language": language,
        **context,
    }
    subject, text = _text_template(f"{template}.{language}.txt")
    # Cut to the column's 300 characters: a long name must not fail the change that mails.
    subject_line = one_line(subject.render(context))[:300]
    html = (
        _environment()
        .get_template(f"{template}.{language}.html")
        .render({**context, "subject": subject_line})
    )
    footer = _environment().get_template(f"_footer.{language}.txt").render(context)
    body = text.render(context).strip("\n")
    return RenderedMail(subject_line, f"{body}\n\n{footer}", html)


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
    attachments: Sequence[Attachment] = (),
    **context: Any,
) -> OutboxMail:
    """Adds a rendered mail to the outbox in the session's transaction; a `SecretLink` in the
    context is stored encrypted and put into the mail only when the worker sends it. A mail
    about one pupil names its request (`placement_request_id`): the school's record lists it.
    `attachments` are stored with the mail and sent with it."""
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
        attachments=[a.stored() for a in attachments] or None,
        created_at=at,
        next_attempt_at=at,
    )
    session.add(mail)
    after_commit(session, wake)
    return mail

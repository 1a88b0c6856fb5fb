"""Small factories: accounts straight into the database, sign-in through the API."""

import itertools
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qs, urlparse

import httpx
from passlib.context import CryptContext
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth.models import User
from backend.organisations.models import Organisation, OrganisationKind

PASSWORD = "Correct-Paard-Batterij-Niet"
_counter = itertools.count(1)


@dataclass
class Account:
    organisation_id: object
    user_id: object
    email: str
    name: str
    password: str = PASSWORD


@cache
def _password_hash() -> str:
    # Hashed once per test session: the factories make many accounts.
    from backend.auth.security import _password_context

    context: CryptContext = _password_context()
    return context.hash(PASSWORD)


async def account(
    session: AsyncSession,
    kind: str,
    *,
    name: str | None = None,
    email: str | None = None,
    postcode: str = "8000",
    provinces=None,
    activated: bool = True,
) -> Account:
    n = next(_counter)
    name = name or f"{kind.title()} {n}"
    email = email or f"{kind}{n}@example.be"
    organisation = Organisation(
        kind=OrganisationKind(kind),
        name=name,
        email=email,
        postcode=postcode,
        provinces=provinces or [],
    )
    session.add(organisation)
    await session.flush()
    user = User(
        organisation_id=organisation.id,
        email=email,
        password_hash=_password_hash() if activated else None,
        activated_at=clock.now() if activated else None,
    )
    session.add(user)
    await session.flush()
    return Account(organisation.id, user.id, email, name)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def token_from_mail(message) -> str:
    """The `token=` parameter of the first link to the client in a mail."""
    body = message.get_body(("plain",)).get_content() if hasattr(message, "get_body") else message
    url = re.search(r"https?://\S+token=\S+", body).group(0)
    return parse_qs(urlparse(url).query)["token"][0]

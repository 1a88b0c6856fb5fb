"""`create_app(settings)` runs on the Settings it is given, whatever the process's environment
names: the keys that seal national numbers and links, the key that signs access tokens, the
address in the mails' links."""

import secrets
import uuid
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet, InvalidToken
from jose import JWTError, jwt
from pydantic import SecretStr
from sqlalchemy import select

from backend.config import Settings, get_settings
from backend.mail.models import OutboxMail
from backend.main import create_app
from backend.placements.models import PlacementRequest
from tests.conftest import _role_client, make_client
from tests.schools_helpers import create, ready

GIVEN_DATA_KEY = Fernet.generate_key().decode()
GIVEN_SECRET_KEY = secrets.token_urlsafe(48)
GIVEN_PUBLIC_URL = "https://given.stagematch.example"
ENV_DATA_KEY = Fernet.generate_key().decode()
ENV_SECRET_KEY = secrets.token_urlsafe(48)
ENV_PUBLIC_URL = "https://environment.stagematch.example"


@pytest.fixture
def other_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment names other keys and another address than the app's Settings do: a
    lookup of the environment anywhere would find these."""
    monkeypatch.setenv("DATA_KEY", ENV_DATA_KEY)
    monkeypatch.setenv("SECRET_KEY", ENV_SECRET_KEY)
    monkeypatch.setenv("PUBLIC_URL", ENV_PUBLIC_URL)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def given_app(settings: Settings, sessionmaker, other_environment):
    given = settings.model_copy(
        update={
            "data_key": SecretStr(GIVEN_DATA_KEY),
            "secret_key": SecretStr(GIVEN_SECRET_KEY),
            "public_url": GIVEN_PUBLIC_URL,
        }
    )
    return create_app(given, sessionmaker=sessionmaker)


def opens_with(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


async def test_national_numbers_are_sealed_with_the_given_data_key(given_app, sessionmaker, db):
    school = await _role_client(given_app, sessionmaker, "school")
    try:
        setup = await ready(db, school.account.organisation_id)
        created = await create(school, setup.supervisor_id, n=501)
        assert created.status_code == 201, created.text
    finally:
        await school.aclose()

    stored = await db.scalar(
        select(PlacementRequest.national_number_encrypted).where(
            PlacementRequest.id == uuid.UUID(created.json()["id"])
        )
    )
    assert opens_with(GIVEN_DATA_KEY, stored)
    assert not opens_with(ENV_DATA_KEY, stored)


async def test_access_tokens_are_signed_with_the_given_secret_key(given_app, sessionmaker):
    school = await _role_client(given_app, sessionmaker, "school")
    try:
        token = school.headers["Authorization"].removeprefix("Bearer ")
        assert (await school.get("/api/v1/me")).status_code == 200
    finally:
        await school.aclose()
    options = {"verify_exp": False}
    assert jwt.decode(token, GIVEN_SECRET_KEY, algorithms=["HS256"], options=options)["sub"]
    with pytest.raises(JWTError):
        jwt.decode(token, ENV_SECRET_KEY, algorithms=["HS256"], options=options)


async def test_mails_link_to_the_given_public_url(given_app, sessionmaker, db):
    school = await _role_client(given_app, sessionmaker, "school")
    await school.aclose()
    async with make_client(given_app) as client:
        asked = await client.post(
            "/api/v1/auth/password/forgot", json={"email": school.account.email}
        )
    assert asked.status_code == 202, asked.text

    mail = await db.scalar(select(OutboxMail).where(OutboxMail.to_address == school.account.email))
    assert f"{GIVEN_PUBLIC_URL}/reset-password?token=" in mail.body_text
    assert ENV_PUBLIC_URL not in mail.body_text
    # The link's token waits sealed with the given key too.
    assert opens_with(GIVEN_DATA_KEY, mail.link_token_encrypted)
    assert not opens_with(ENV_DATA_KEY, mail.link_token_encrypted)

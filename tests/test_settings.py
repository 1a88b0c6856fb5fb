"""Settings: driver selection, refusing default secrets in production, argon2 parameters."""

import os
import secrets
import sys
import threading

import pytest
from cryptography.fernet import Fernet
from passlib.context import CryptContext
from pydantic import ValidationError

from backend.config import Settings, async_url


def test_plain_urls_get_their_async_driver():
    assert async_url("sqlite:///var/x.db") == "sqlite+aiosqlite:///var/x.db"
    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_production_refuses_the_default_secret_key():
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", _env_file=None)
    Settings(environment="development", _env_file=None)
    Settings(
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        # Two keys during a rotation.
        data_key=f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
        blind_index_key=secrets.token_urlsafe(48),
        smtp_host="smtp.example.be",
        _env_file=None,
    )


def test_production_refuses_to_start_without_an_smtp_server():
    """Else the worker would write whole mails to the log and call them sent."""
    strong = {
        "secret_key": secrets.token_urlsafe(48),
        "data_key": Fernet.generate_key().decode(),
        "blind_index_key": secrets.token_urlsafe(48),
        "_env_file": None,
    }
    with pytest.raises(ValidationError, match="SMTP_HOST"):
        Settings(environment="production", smtp_host="", **strong)
    with pytest.raises(ValidationError, match="SMTP_HOST"):
        Settings(environment="production", smtp_host=None, **strong)
    Settings(environment="production", smtp_host="smtp.example.be", **strong)
    Settings(environment="development", smtp_host="", **strong)


def test_argon2_defaults_meet_owasp_minimum():
    # The code's defaults (the test environment lowers them to keep the suite fast).
    memory, time_cost, lanes = (
        Settings.model_fields[f"argon2_{name}"].default
        for name in ("memory_kib", "time_cost", "parallelism")
    )
    assert memory >= 19 * 1024
    assert time_cost >= 2
    assert lanes == 1
    context = CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=memory,
        argon2__time_cost=time_cost,
        argon2__parallelism=lanes,
    )
    assert context.hash("whatever-password").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_app_hashes_with_the_configured_parameters(settings):
    from backend.auth.security import _password_context

    expected = f"$argon2id$v=19$m={settings.argon2_memory_kib},t={settings.argon2_time_cost},p=1$"
    assert _password_context().hash("whatever-password").startswith(expected)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
async def test_passwords_hash_in_low_priority_threads_off_the_event_loop():
    """Logins under load must not slow the pages: hashing runs in the pool's threads, which
    yield the CPU to the event loop's thread."""
    import asyncio

    from backend.auth.security import HASH_THREAD_NICENESS, _hash_pool

    loop = asyncio.get_running_loop()
    here = threading.get_native_id()
    pool_thread, niceness = await loop.run_in_executor(
        _hash_pool(), lambda: (threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0))
    )
    assert pool_thread != here
    assert niceness == min(19, os.getpriority(os.PRIO_PROCESS, here) + HASH_THREAD_NICENESS)


def test_an_empty_optional_secret_is_unset():
    # As an env file written from deploy/env.production.example leaves them.
    configured = Settings(
        blind_index_key="", blind_index_old_key=" ", smtp_password="", _env_file=None
    )
    assert configured.blind_index_key is None and configured.blind_index_old_key is None
    assert configured.smtp_password is None
    with pytest.raises(ValidationError, match="BLIND_INDEX_KEY must be set"):
        Settings(
            environment="production",
            secret_key=secrets.token_urlsafe(48),
            data_key=Fernet.generate_key().decode(),
            blind_index_key="",
            _env_file=None,
        )

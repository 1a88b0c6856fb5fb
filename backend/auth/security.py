"""Passwords (argon2id), access JWTs (HS256, pinned) and opaque tokens (stored as hashes)."""

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from jose import JWTError, jwt
from passlib.context import CryptContext
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from backend import clock
from backend.config import Settings

ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128


@dataclass(frozen=True)
class Hashing:
    """How this process hashes passwords and opaque tokens, from the Settings its entry point
    built (`configure`)."""

    passwords: CryptContext
    pool: ThreadPoolExecutor
    # SECRET_KEY, keying the hashes of opaque tokens.
    token_key: bytes


_hashing: Hashing | None = None


def configure(settings: Settings) -> None:
    """Takes the password hashing's parameters and SECRET_KEY from `settings` (create_app and
    the CLI's commands call it first)."""
    global _hashing
    _hashing = Hashing(
        passwords=_argon2(
            settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
        ),
        pool=_pool_of(settings.password_hash_threads),
        token_key=settings.secret_key.get_secret_value().encode(),
    )


def _configured() -> Hashing:
    if _hashing is None:
        raise RuntimeError("no SECRET_KEY: the entry point calls backend.startup.configure() first")
    return _hashing


@cache
def _argon2(memory_kib: int, time_cost: int, parallelism: int) -> CryptContext:
    # Parameters set explicitly: passlib's defaults are far below OWASP's minimum.
    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=memory_kib,
        argon2__time_cost=time_cost,
        argon2__parallelism=parallelism,
    )


def _password_context() -> CryptContext:
    return _configured().passwords


# How much nicer than the request handling the hashing threads run (Linux: a thread is a task
# with its own niceness). Logins wait a little longer under load; pages stay fast.
HASH_THREAD_NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
        thread = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, current + HASH_THREAD_NICENESS))


@cache
def _pool_of(threads: int) -> ThreadPoolExecutor:
    # Hashing is CPU-bound and slow by design: a small bounded pool of low-priority threads
    # keeps the event loop free and leaves the CPU to the requests first. (One pool per size:
    # configuring the process again, as tests do, starts no new threads.)
    return ThreadPoolExecutor(threads, "argon2", initializer=_lower_priority)


def _hash_pool() -> ThreadPoolExecutor:
    return _configured().pool


async def hash_password(password: str) -> str:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hash_pool(), _password_context().hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    loop = asyncio.get_running_loop()
    if password_hash is None:
        # Spend the same time as a real check so timing does not tell which accounts exist.
        await loop.run_in_executor(_hash_pool(), _password_context().hash, password)
        return False
    return await loop.run_in_executor(
        _hash_pool(), _password_context().verify, password, password_hash
    )


async def verify_and_rehash(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Whether the password is right and, if its hash was made with other argon2 parameters
    than the settings' (changed since), a new hash of it to store. Signing in is the only
    moment the password is known again, so stronger parameters reach every active account
    without a reset. The check and the new hash run in the hashing pool, off the event loop."""
    if password_hash is None:
        return await verify_password(password, None), None
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        _hash_pool(), _password_context().verify_and_update, password, password_hash
    )


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


# The password rules, in the order a refusal names them: (rule, the problem it refuses).
PASSWORD_RULES = (
    ("length", "too_short"),
    ("not_common", "too_common"),
    ("hard_to_guess", "too_guessable"),
)


def password_checks(password: str, *, user_inputs: tuple[str, ...] = ()) -> dict[str, bool | None]:
    """Each rule with whether the password meets it; None for a rule not checked (the
    guessability of a password too long to weigh). The one place the rules live: a refusal
    (`password_problems`) and the client's checklist (`POST /auth/password-check`) read them."""
    fits = MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH
    guessable: bool | None = None
    if not password:
        guessable = False  # (zxcvbn fails on an empty string)
    elif len(password) <= MAX_PASSWORD_LENGTH:
        guessable = zxcvbn(password, user_inputs=list(user_inputs))["score"] >= 2
    return {
        "length": fits,
        "not_common": password.lower() not in _common_passwords(),
        "hard_to_guess": guessable,
    }


def password_problems(password: str, *, user_inputs: tuple[str, ...] = ()) -> list[str]:
    """The first rule a password breaks (length, the common-password list, guessability)."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return ["too_long"]
    checks = password_checks(password, user_inputs=user_inputs)
    return [problem for rule, problem in PASSWORD_RULES if not checks[rule]][:1]


def create_access_token(
    *,
    user_id: uuid.UUID,
    organisation_id: uuid.UUID,
    role: str,
    token_version: int,
    session_id: uuid.UUID,
    settings: Settings,
) -> tuple[str, int]:
    issued = clock.now()
    expires_in = settings.access_token_minutes * 60
    claims = {
        "sub": str(user_id),
        "org": str(organisation_id),
        "role": role,
        "tv": token_version,
        # The sign-in (refresh token family) it belongs to: signing out ends it at once.
        "sid": str(session_id),
        "typ": "access",
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=expires_in)).timestamp()),
        "jti": secrets.token_hex(16),
    }
    return jwt.encode(
        claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM
    ), expires_in


def decode_access_token(
    token: str, settings: Settings, *, check_expiry: bool = True
) -> dict[str, Any] | None:
    """The claims of a valid access token, or None; the algorithm list is pinned. Without
    `check_expiry` an expired token still counts (an event stream re-checking the token it
    was opened with: its session, not the token's 15 minutes, decides how long it lives)."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            options={
                "require_exp": True,
                "require_iat": True,
                "require_sub": True,
                "verify_exp": False,
            },
        )
    except JWTError:
        return None
    # Expiry checked against our clock (tests move it), not the wall clock python-jose reads.
    if claims.get("typ") != "access" or not isinstance(claims.get("exp"), int):
        return None
    if check_expiry and claims["exp"] <= clock.now().timestamp():
        return None
    if not isinstance(claims.get("tv"), int) or not isinstance(claims.get("org"), str):
        return None
    try:
        claims["sid"] = uuid.UUID(claims.get("sid"))
    except (TypeError, ValueError):
        return None
    return claims


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Keyed hash of an opaque token: a leaked table yields no usable token."""
    return hmac.new(_configured().token_key, token.encode(), hashlib.sha256).hexdigest()


def expires(at: datetime, **delta: float) -> datetime:
    return at + timedelta(**delta)

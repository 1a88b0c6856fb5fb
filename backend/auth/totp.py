"""The second factor: time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30 s
steps, one step of clock drift accepted either side), on the application's clock. A code
signs in once: the last step used is stored per user (OWASP ASVS 2.8.4). The secret rests
sealed under DATA_KEY, as the national numbers do (`stagematch rotate-keys` moves it too)."""

import hashlib

import pyotp
from pyotp.utils import strings_equal
from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backend import clock, crypto
from backend.auth.models import User
from backend.db import rowcount
from backend.errors import error

ISSUER = "Stagematch"
DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1

MfaRequired = error(401, "mfa_required", "Enter the verification code of your authenticator app")
InvalidCode = error(401, "invalid_code", "Wrong or already used verification code")
WrongCode = error(400, "wrong_code", "The verification code is wrong")


def new_secret() -> str:
    """160 random bits in base32 (RFC 4226's recommended length)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The `otpauth://` URI authenticator apps read (typed in, or as a QR code elsewhere)."""
    return _totp(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def seal(secret: str) -> str:
    return crypto.encrypt(secret)


def unseal(sealed: str) -> str:
    # Uncached: a secret has no business in the national numbers' cache of decrypted values.
    secret = crypto.open_token(sealed)
    if secret is None:
        raise crypto.DataKeyMismatch("A key of DATA_KEY is missing or wrong")
    return secret


def _totp(secret: str) -> pyotp.TOTP:
    # SHA-1: what RFC 6238 and every authenticator app default to (HMAC-SHA-1 is sound).
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS, digest=hashlib.sha1)


def matching_step(secret: str, code: str) -> int | None:
    """The time step whose code `code` is (now, or one step before or after), or None."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    current = totp.timecode(clock.now())
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if strings_equal(code, totp.generate_otp(step)):
            return step
    return None


async def use_code(session: AsyncSession, user: User, code: str) -> bool:
    """Whether `code` is the user's code of now and was not used yet; its step is recorded,
    so that neither it nor an older code signs in again (a conditional update: of two
    requests with one code, one wins)."""
    if user.mfa_secret_encrypted is None or user.mfa_enabled_at is None:
        return False
    step = matching_step(unseal(user.mfa_secret_encrypted), code)
    if step is None:
        return False
    result = await session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.mfa_last_step.is_(None), User.mfa_last_step < step),
        )
        .values(mfa_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    # As the row now is, without a second write at the next flush.
    set_committed_value(user, "mfa_last_step", step)
    return True

"""Two-step sign-in (the TOTP second factor): who must have it, enrolment, confirmation,
turning it off, and the operator's reset (`stagematch reset-mfa`). The codes themselves:
backend/auth/totp.py; the sign-in that asks for one: service.login."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.audit import service as audit
from backend.auth import security, service, totp
from backend.auth.models import User
from backend.config import Settings
from backend.errors import NotFound, WrongPassword, error
from backend.organisations.models import OrganisationKind

MfaEnrollmentRequired = error(
    403, "mfa_enrollment_required", "Turn on two-step sign-in (account page) first"
)
MfaAlreadyEnabled = error(409, "mfa_already_enabled", "Two-step sign-in is already on")
MfaNotStarted = error(409, "mfa_not_started", "Start the enrolment first (POST /me/mfa)")
MfaNotEnabled = error(409, "mfa_not_enabled", "Two-step sign-in is not on")
MfaRequiredForAdmins = error(
    409, "mfa_required_for_admins", "Admin accounts cannot turn two-step sign-in off"
)


def must_have_second_factor(user: User, settings: Settings) -> bool:
    """Admins, while ADMIN_MFA_REQUIRED (production's default)."""
    return settings.admin_mfa_enforced and user.organisation.kind == OrganisationKind.admin


def lacks_required_second_factor(user: User, settings: Settings) -> bool:
    return must_have_second_factor(user, settings) and not user.mfa_enabled


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


def start_enrolment(user: User) -> Enrolment:
    """A new secret, not active until a code of it is confirmed; replaces an unconfirmed one."""
    if user.mfa_enabled:
        raise MfaAlreadyEnabled()
    secret = totp.new_secret()
    user.mfa_secret_encrypted = totp.seal(secret)
    user.mfa_last_step = None
    return Enrolment(secret, totp.provisioning_uri(secret, user.email))


async def confirm(
    session: AsyncSession, user: User, code: str, settings: Settings, client: str
) -> service.Session:
    """Turns the second factor on with a code of the new secret; every other session ends
    (they were opened without it), this one is replaced."""
    if user.mfa_enabled:
        raise MfaAlreadyEnabled()
    if user.mfa_secret_encrypted is None:
        raise MfaNotStarted()
    step = totp.matching_step(totp.unseal(user.mfa_secret_encrypted), code)
    if step is None:
        raise totp.WrongCode()
    user.mfa_enabled_at = clock.now()
    # The confirming code cannot sign in as well.
    user.mfa_last_step = step
    return await _changed(session, user, "mfa_enabled", settings, client)


async def disable(
    session: AsyncSession, user: User, password: str, code: str, settings: Settings, client: str
) -> service.Session:
    """Turns the second factor off with the password and a current code; refused to an admin
    while it is required. Every other session ends, this one is replaced."""
    if must_have_second_factor(user, settings):
        raise MfaRequiredForAdmins()
    if not user.mfa_enabled:
        raise MfaNotEnabled()
    if not await security.verify_password(password, user.password_hash):
        raise WrongPassword()
    if not await totp.use_code(session, user, code):
        raise totp.WrongCode()
    _turn_off(user)
    return await _changed(session, user, "mfa_disabled", settings, client)


async def reset(session: AsyncSession, email: str) -> User:
    """The operator's recovery (`stagematch reset-mfa`) for a lost authenticator: the second
    factor is off and every session ends; an admin enrols again at the next sign-in."""
    user = await service.user_by_email(session, email)
    if user is None:
        raise NotFound(f"No account with the address {service.normalize_email(email)}")
    _turn_off(user)
    audit.record(session, "mfa_reset", object_type="user", object_id=user.id, email=user.email)
    await service.revoke_all_sessions(session, user)
    await session.flush()
    return user


async def _changed(
    session: AsyncSession, user: User, action: str, settings: Settings, client: str
) -> service.Session:
    """After the second factor was turned on or off: audited, every other session ends, and
    this one is replaced (its tokens predate the change)."""
    audit.record(
        session, action, user=user, object_type="user", object_id=user.id, client_address=client
    )
    await service.revoke_all_sessions(session, user)
    return await service.start_session(session, user, settings)


def _turn_off(user: User) -> None:
    user.mfa_secret_encrypted = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None

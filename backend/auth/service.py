"""Accounts: invitation and activation, login, refresh rotation, password reset and change."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from backend import clock
from backend.audit import service as audit
from backend.auth import security, totp
from backend.auth.models import ActionPurpose, ActionToken, RefreshToken, User
from backend.auth.ratelimit import Limiter, Reservation
from backend.config import Settings
from backend.db import rowcount
from backend.errors import (
    AccountDisabled,
    AccountNotActivated,
    FieldError,
    InvalidCredentials,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    TokenInvalid,
    WrongPassword,
    error,
)
from backend.events import broker as events
from backend.mail import service as mail

MfaUseApiToken = error(
    403,
    "mfa_use_api_token",
    "This account signs in with a verification code; scripts use an API token",
)


@dataclass(frozen=True)
class Session:
    """What a successful sign-in hands out: an access token and a refresh token."""

    user: User
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(
        select(User)
        .options(joinedload(User.organisation))
        .where(User.email == normalize_email(email))
    )


# Built once: every authenticated request runs it.
_USER_BY_ID = (
    select(User).options(joinedload(User.organisation)).where(User.id == bindparam("user_id"))
)


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.scalar(_USER_BY_ID, {"user_id": user_id})


# The same lookup, and in the same statement whether the sign-in the access token belongs to
# is still live (a refresh token of its family not revoked): signing out, or a reused refresh
# token, ends its access tokens at once, at no extra query per request.
_USER_BY_SESSION = _USER_BY_ID.where(
    select(RefreshToken.id)
    .where(RefreshToken.family_id == bindparam("session_id"), RefreshToken.revoked_at.is_(None))
    .exists()
)


async def user_by_session(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
) -> User | None:
    """The user of a live sign-in, or None once it was signed out or revoked."""
    return await session.scalar(_USER_BY_SESSION, {"user_id": user_id, "session_id": session_id})


def is_blocked(user: User) -> bool:
    return user.disabled_at is not None or user.organisation.disabled_at is not None


def _inputs(user: User | None) -> tuple[str, ...]:
    # What a password must not be guessable from: the account's own words.
    return (user.email, user.organisation.name) if user is not None else ()


async def password_check(
    session: AsyncSession, password: str, inputs: tuple[str, ...], token: str | None
) -> dict[str, bool | None]:
    """The rules as `check_password_rules` will apply them. With a link's token (activation,
    reset) its account's own words count too; an unknown token adds nothing and says so
    nowhere (the answer is about the password only)."""
    if token:
        user = await session.scalar(
            select(User)
            .join(ActionToken, ActionToken.user_id == User.id)
            .where(ActionToken.token_hash == security.hash_token(token))
            .options(joinedload(User.organisation))
        )
        inputs = (*inputs, *_inputs(user))
    return security.password_checks(password, user_inputs=inputs)


def check_password_rules(password: str, user: User | None = None) -> None:
    inputs = _inputs(user)
    problems = security.password_problems(password, user_inputs=inputs)
    if problems:
        messages = {
            "too_short": f"At least {security.MIN_PASSWORD_LENGTH} characters",
            "too_long": f"At most {security.MAX_PASSWORD_LENGTH} characters",
            "too_common": "This password is one of the most common ones",
            "too_guessable": "This password is too easy to guess",
        }
        raise FieldError(
            [{"field": "password", "code": problems[0], "message": messages[problems[0]]}],
            "The password does not meet the rules",
        )


# --- single-use link tokens -------------------------------------------------------------


async def issue_link_token(
    session: AsyncSession, user: User, purpose: ActionPurpose, lifetime: timedelta
) -> str:
    """A new single-use token; every older one of the same purpose stops working."""
    at = clock.now()
    await session.execute(
        update(ActionToken)
        .where(
            ActionToken.user_id == user.id,
            ActionToken.purpose == purpose,
            ActionToken.used_at.is_(None),
            ActionToken.superseded_at.is_(None),
        )
        .values(superseded_at=at)
    )
    token = security.new_opaque_token()
    session.add(
        ActionToken(
            user_id=user.id,
            purpose=purpose,
            created_at=at,
            token_hash=security.hash_token(token),
            expires_at=at + lifetime,
        )
    )
    return token


async def consume_link_token(session: AsyncSession, token: str, purpose: ActionPurpose) -> User:
    """The user of a valid link token, which is used up; otherwise a code the client explains."""
    found = await session.scalar(
        select(ActionToken).where(
            ActionToken.token_hash == security.hash_token(token), ActionToken.purpose == purpose
        )
    )
    if found is None:
        raise LinkInvalid()
    if found.used_at is not None or found.superseded_at is not None:
        raise LinkUsed()
    if found.expires_at <= clock.now():
        raise LinkExpired()
    # Conditional update: of two simultaneous uses of one link, only one succeeds.
    result = await session.execute(
        update(ActionToken)
        .where(ActionToken.id == found.id, ActionToken.used_at.is_(None))
        .values(used_at=clock.now())
    )
    if rowcount(result) != 1:
        raise LinkUsed()
    user = await user_by_id(session, found.user_id)
    assert user is not None
    if is_blocked(user):
        raise AccountDisabled()
    return user


async def invite(session: AsyncSession, user: User, settings: Settings) -> None:
    """Mails an activation link; a new invitation replaces the older link."""
    token = await issue_link_token(
        session, user, ActionPurpose.activation, timedelta(days=settings.activation_token_days)
    )
    mail.enqueue(
        session,
        user.email,
        "invitation",
        user.language,
        organisation_name=user.organisation.name,
        link=mail.secret_link("/activate", token),
        valid_days=settings.activation_token_days,
    )


# --- sessions ------------------------------------------------------------------------------


async def start_session(
    session: AsyncSession, user: User, settings: Settings, renewed: RefreshToken | None = None
) -> Session:
    """A new sign-in, or the next refresh token of the sign-in `renewed` belongs to: that one
    keeps its family and its end (SESSION_HOURS after the password was typed)."""
    at = clock.now()
    refresh = security.new_opaque_token()
    row = RefreshToken(
        user_id=user.id,
        family_id=renewed.family_id if renewed else uuid.uuid4(),
        token_hash=security.hash_token(refresh),
        token_version=user.token_version,
        created_at=at,
        expires_at=renewed.expires_at if renewed else at + timedelta(hours=settings.session_hours),
    )
    session.add(row)
    access, expires_in = security.create_access_token(
        user_id=user.id,
        organisation_id=user.organisation_id,
        role=user.organisation.kind,
        token_version=user.token_version,
        session_id=row.family_id,
        settings=settings,
    )
    return Session(user, access, expires_in, refresh, row.expires_at)


async def revoke_all_sessions(session: AsyncSession, user: User) -> None:
    """Every access token (by the token version) and refresh token issued so far dies, and
    the user's open event streams close."""
    user.token_version += 1
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    events.credentials_changed(session, user.id)


async def login(
    session: AsyncSession,
    email: str,
    password: str,
    client: str,
    limiter: Limiter,
    settings: Settings,
    code: str | None = None,
    *,
    accepts_code: bool = True,
) -> Session:
    """Signs in; a failure counts against the account, its pair with the client address and
    the address (backend/auth/ratelimit.py). An account with two-step sign-in needs `code`
    too; where none can be given (`accepts_code=False`: the OAuth2 password form) it is
    refused."""
    email = normalize_email(email)
    # Counted before the slow password check, so parallel guesses cannot outrun the limit.
    attempt = await limiter.login_attempt(email, client)
    user = await user_by_email(session, email)
    if user is not None and not user.is_activated:
        # The manual's flow: an invited account answers so, whatever the password, and the
        # client offers to resend the activation mail. The attempt keeps counting.
        raise AccountNotActivated("Activate the account with the link in the invitation mail")
    right, new_hash = await security.verify_and_rehash(
        password, user.password_hash if user else None
    )
    if not right:
        # The address tried is kept (it may not be an account): a trail of guessing.
        audit.record(
            session,
            "login_failed",
            user=user,
            object_type="user",
            object_id=user.id if user else None,
            client_address=client,
            email=email,
        )
        raise InvalidCredentials(keep_changes=True)
    assert user is not None
    if user.mfa_enabled:
        await _second_factor(session, user, code, accepts_code, attempt, limiter, client)
    await limiter.login_succeeded(email, attempt)
    if is_blocked(user):
        raise AccountDisabled()
    if new_hash is not None:  # made with other argon2 parameters: stored with the sign-in
        user.password_hash = new_hash
    user.last_login_at = clock.now()
    audit.record(
        session, "login", user=user, object_type="user", object_id=user.id, client_address=client
    )
    return await start_session(session, user, settings)


async def _second_factor(
    session: AsyncSession,
    user: User,
    code: str | None,
    accepts_code: bool,
    attempt: Reservation,
    limiter: Limiter,
    client: str,
) -> None:
    """After the right password: the verification code. Without one the attempt is not
    counted (the client asks for it); a wrong or replayed one is a failed sign-in."""
    if not accepts_code or not code:
        await limiter.login_undecided(attempt)
        if not accepts_code:
            raise MfaUseApiToken()
        raise totp.MfaRequired()
    if not await totp.use_code(session, user, code):
        audit.record(
            session,
            "login_code_failed",
            user=user,
            object_type="user",
            object_id=user.id,
            client_address=client,
        )
        raise totp.InvalidCode(keep_changes=True)


async def refresh(session: AsyncSession, token: str | None, settings: Settings) -> Session:
    """Rotates a refresh token; presenting a used one revokes its whole family."""
    if not token:
        raise TokenInvalid("No refresh token")
    found = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == security.hash_token(token))
    )
    if found is None or found.revoked_at is not None or found.expires_at <= clock.now():
        raise TokenInvalid()
    user = await user_by_id(session, found.user_id)
    assert user is not None
    if found.used_at is not None:
        await _revoke_family(session, found)
        raise TokenInvalid(
            "Refresh token reused; signed out everywhere for safety", keep_changes=True
        )
    if found.token_version != user.token_version or is_blocked(user):
        raise TokenInvalid()
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == found.id, RefreshToken.used_at.is_(None))
        .values(used_at=clock.now())
    )
    if rowcount(result) != 1:
        raise TokenInvalid()
    return await start_session(session, user, settings, renewed=found)


async def _revoke_family(session: AsyncSession, token: RefreshToken) -> None:
    """Ends the sign-in `token` belongs to: its refresh tokens, its access tokens (their
    `sid`) and its open event streams."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == token.family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    events.credentials_changed(session, token.user_id)


async def logout(session: AsyncSession, token: str | None) -> None:
    """Ends the refresh token's sign-in (this browser's session): its access tokens too."""
    if not token:
        return
    found = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == security.hash_token(token))
    )
    if found is not None:
        await _revoke_family(session, found)


# --- activation and passwords -----------------------------------------------------------------


async def activate(session: AsyncSession, token: str, password: str, settings: Settings) -> Session:
    """Sets the first password through the invitation link and signs in."""
    user = await consume_link_token(session, token, ActionPurpose.activation)
    check_password_rules(password, user)
    user.password_hash = await security.hash_password(password)
    user.activated_at = user.activated_at or clock.now()
    return await start_session(session, user, settings)


async def limit_mail_request(limiter: Limiter, email: str, client: str) -> None:
    """Counts a resend or forgot request against the address asked for and the client."""
    await limiter.mail_request(normalize_email(email), client)


# The two below run after the `202` has been sent (the router hands them over), so that the
# answer's timing cannot tell whether the address has an account.


async def resend_activation(session: AsyncSession, email: str, settings: Settings) -> None:
    """Mails a fresh activation link to an invited account; nothing for any other address."""
    user = await user_by_email(session, email)
    if user is not None and not user.is_activated and not is_blocked(user):
        await invite(session, user, settings)


async def forgot_password(session: AsyncSession, email: str, settings: Settings) -> None:
    """Mails a reset link to an active account; nothing for any other address."""
    user = await user_by_email(session, email)
    if user is None or not user.is_activated or is_blocked(user):
        return
    token = await issue_link_token(
        session, user, ActionPurpose.password_reset, timedelta(minutes=settings.reset_token_minutes)
    )
    mail.enqueue(
        session,
        user.email,
        "password_reset",
        user.language,
        link=mail.secret_link("/reset-password", token),
        valid_minutes=settings.reset_token_minutes,
    )


async def reset_password(
    session: AsyncSession, token: str, password: str, limiter: Limiter, settings: Settings
) -> Session:
    """Sets a new password through a reset link; every earlier session ends, and the failed
    sign-ins counted against the account are forgotten (the owner proved the mailbox)."""
    user = await consume_link_token(session, token, ActionPurpose.password_reset)
    check_password_rules(password, user)
    user.password_hash = await security.hash_password(password)
    await revoke_all_sessions(session, user)
    await limiter.unlock_account(user.email)
    return await start_session(session, user, settings)


async def change_password(
    session: AsyncSession, user: User, current: str, new: str, settings: Settings
) -> Session:
    """Changes the password; every session, this one included, is replaced by a new one."""
    if not await security.verify_password(current, user.password_hash):
        raise WrongPassword()
    check_password_rules(new, user)
    user.password_hash = await security.hash_password(new)
    await revoke_all_sessions(session, user)
    return await start_session(session, user, settings)

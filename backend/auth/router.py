from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Cookie, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth import mfa, service, totp
from backend.auth.deps import (
    AuthenticatedActor,
    CurrentActor,
    EnrollingActor,
    LimiterDep,
    SettingsDep,
    SignedInActor,
    client_address,
)
from backend.auth.models import User
from backend.auth.schemas import (
    Accepted,
    ChangePasswordIn,
    CodeIn,
    EmailIn,
    LoginIn,
    LoginOut,
    MeUpdate,
    MfaDisableIn,
    MfaEnrolment,
    OrganisationRef,
    PasswordCheck,
    PasswordCheckIn,
    TokenOut,
    TokenPasswordIn,
    UserRead,
)
from backend.config import Settings
from backend.db import SessionDep, run_in_own_session
from backend.errors import (
    AccountDisabled,
    AccountNotActivated,
    InvalidCredentials,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    RateLimited,
    TokenInvalid,
    WrongPassword,
    problems,
)

REFRESH_COOKIE = "stagematch_refresh"
REFRESH_PATH = "/api/v1/auth"
# Beside the httpOnly refresh cookie, a readable one that says only "there is a sign-in to
# renew": a signed-out page then asks nothing that is bound to answer 401.
SESSION_HINT_COOKIE = "stagematch_session"

public = APIRouter(prefix="/auth", tags=["auth"])
# Public, outside /auth: what the client needs before anybody signs in.
meta = APIRouter(tags=["auth"])
router = APIRouter(tags=["account"])
# What an admin reaches before enrolling the second factor (deps.enrolment_scope): who am I,
# and the enrolment. Everything else is on `router`, behind the second-factor gate.
enrolment = APIRouter(tags=["account"])
ClientAddress = Annotated[str, Depends(client_address)]
# What a sign-in with e-mail and password can answer besides success.
SIGN_IN_PROBLEMS = (RateLimited, InvalidCredentials, AccountNotActivated, AccountDisabled)
# What a mailed link's token can answer (service.consume_link_token).
LINK_PROBLEMS = (LinkInvalid, LinkUsed, LinkExpired, AccountDisabled)
RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE)]


def user_read(user: User, settings: Settings) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        role=user.organisation.kind.value,
        language=user.language,  # type: ignore[arg-type]  # "nl" or "en" (the column's values)
        organisation=OrganisationRef.model_validate(user.organisation),
        mfa_enabled=user.mfa_enabled,
        mfa_enrollment_required=mfa.lacks_required_second_factor(user, settings),
    )


def signed_in(response: Response, session: service.Session, settings: Settings) -> LoginOut:
    response.set_cookie(
        REFRESH_COOKIE,
        session.refresh_token,
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
        path=REFRESH_PATH,
        max_age=max(0, round((session.refresh_expires_at - clock.now()).total_seconds())),
    )
    response.set_cookie(
        SESSION_HINT_COOKIE,
        "1",
        httponly=False,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
        path="/",
        max_age=max(0, round((session.refresh_expires_at - clock.now()).total_seconds())),
    )
    response.headers["Cache-Control"] = "no-store"
    return LoginOut(
        access_token=session.access_token,
        expires_in=session.expires_in,
        user=user_read(session.user, settings),
    )


class ClientConfig(BaseModel):
    support_email: str
    support_phone: str
    support_hours: str
    support_hours_en: str
    environment: str


@meta.get("/config", summary="What the client shows before sign-in (the support contact)")
async def client_config(settings: SettingsDep) -> ClientConfig:
    """The helpline named on the login page and in every page's footer (SUPPORT_EMAIL,
    SUPPORT_PHONE, SUPPORT_HOURS in Dutch and SUPPORT_HOURS_EN in English)."""
    return ClientConfig(
        support_email=settings.support_email,
        support_phone=settings.support_phone,
        support_hours=settings.support_hours,
        support_hours_en=settings.support_hours_en,
        environment=settings.environment,
    )


@public.post(
    "/login",
    summary="Sign in with e-mail and password",
    responses=problems(*SIGN_IN_PROBLEMS, totp.MfaRequired, totp.InvalidCode),
)
async def login(
    body: LoginIn,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: ClientAddress,
) -> LoginOut:
    """Answers `403 account_not_activated` for an invited account that has not chosen a
    password yet (the client then offers to resend the activation mail). An account with
    two-step sign-in answers `401 mfa_required` to the right password without `code` (the
    client then asks for it), `401 invalid_code` to a wrong or used code."""
    session = await service.login(
        db, body.email, body.password, client, limiter, settings, body.code
    )
    return signed_in(response, session, settings)


@public.post(
    "/token",
    summary="OAuth2 password flow (scripts, Swagger UI)",
    responses=problems(*SIGN_IN_PROBLEMS, service.MfaUseApiToken),
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: ClientAddress,
) -> TokenOut:
    """An account with two-step sign-in is refused (`403 mfa_use_api_token`): scripts use an
    API token."""
    session = await service.login(
        db, form.username, form.password, client, limiter, settings, accepts_code=False
    )
    return TokenOut(access_token=session.access_token, expires_in=session.expires_in)


@public.post(
    "/refresh",
    summary="Rotate the refresh cookie, get a new access token",
    responses=problems(TokenInvalid),
)
async def refresh(
    response: Response, db: SessionDep, settings: SettingsDep, cookie: RefreshCookie = None
) -> LoginOut:
    session = await service.refresh(db, cookie, settings)
    return signed_in(response, session, settings)


@public.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
async def logout(response: Response, db: SessionDep, cookie: RefreshCookie = None) -> None:
    await service.logout(db, cookie)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_PATH)
    response.delete_cookie(SESSION_HINT_COOKIE, path="/")


@public.post(
    "/activate",
    summary="Choose a password with the invitation link's token",
    responses=problems(*LINK_PROBLEMS),
)
async def activate(
    body: TokenPasswordIn, response: Response, db: SessionDep, settings: SettingsDep
) -> LoginOut:
    session = await service.activate(db, body.token, body.password, settings)
    return signed_in(response, session, settings)


@public.post(
    "/activation/resend",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Mail a new activation link",
    responses=problems(RateLimited),
)
async def resend_activation(
    body: EmailIn,
    request: Request,
    background: BackgroundTasks,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: ClientAddress,
) -> Accepted:
    """Always 202, whatever the address: the answer reveals no account, nor does its timing
    (the address is looked up after the answer)."""
    await service.limit_mail_request(limiter, body.email, client)
    _after_response(
        background, request, partial(service.resend_activation, email=body.email, settings=settings)
    )
    return Accepted(detail="If the address has an invited account, a new link was mailed")


@public.post(
    "/password/forgot",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Mail a password reset link",
    responses=problems(RateLimited),
)
async def forgot_password(
    body: EmailIn,
    request: Request,
    background: BackgroundTasks,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: ClientAddress,
) -> Accepted:
    """Always 202, whatever the address: the answer reveals no account, nor does its timing
    (the address is looked up after the answer)."""
    await service.limit_mail_request(limiter, body.email, client)
    _after_response(
        background, request, partial(service.forgot_password, email=body.email, settings=settings)
    )
    return Accepted(detail="If the address has an account, a reset link was mailed")


def _after_response(
    background: BackgroundTasks,
    request: Request,
    work: Callable[[AsyncSession], Awaitable[object]],
) -> None:
    # Whether the address has an account decides how much work follows (a token, a mail):
    # done after the answer is sent, in a transaction of its own, it cannot show in the timing.
    background.add_task(run_in_own_session, request.app.state.sessionmaker, work)


@public.post(
    "/password-check",
    summary="Which password rules a password meets",
    responses=problems(RateLimited),
)
async def password_check(
    body: PasswordCheckIn,
    response: Response,
    db: SessionDep,
    limiter: LimiterDep,
    client: ClientAddress,
) -> PasswordCheck:
    """The client's checklist, from the rules activation, reset and change apply, so that it
    never ticks a rule the server will refuse. Rate-limited per address; the password is
    neither stored nor logged, and the answer is not cached."""
    await limiter.password_check(client)
    inputs = tuple(word for word in (body.email, body.name) if word)
    checks = await service.password_check(db, body.password, inputs, body.token)
    response.headers["Cache-Control"] = "no-store"
    return PasswordCheck(**checks, acceptable=all(checks.values()))  # type: ignore[arg-type]


@public.post(
    "/password/reset",
    summary="Choose a new password with the reset link's token",
    responses=problems(*LINK_PROBLEMS),
)
async def reset_password(
    body: TokenPasswordIn,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> LoginOut:
    """Ends every earlier session and unlocks sign-in after failed attempts."""
    session = await service.reset_password(db, body.token, body.password, limiter, settings)
    return signed_in(response, session, settings)


@enrolment.get("/me", summary="Who am I")
async def me(actor: AuthenticatedActor, settings: SettingsDep) -> UserRead:
    return user_read(actor.user, settings)


@router.patch("/me", summary="Change my preferences (language of mail)")
async def update_me(body: MeUpdate, actor: CurrentActor, settings: SettingsDep) -> UserRead:
    actor.user.language = body.language
    return user_read(actor.user, settings)


@enrolment.post(
    "/me/mfa",
    summary="Start two-step sign-in: a new authenticator key",
    responses=problems(mfa.MfaAlreadyEnabled),
)
async def start_mfa(actor: EnrollingActor, response: Response) -> MfaEnrolment:
    """The key (base32) and its `otpauth://` URI, shown once; not active until a code of it
    is confirmed. A new call replaces an unconfirmed key. `409 mfa_already_enabled`."""
    enrolment = mfa.start_enrolment(actor.user)
    response.headers["Cache-Control"] = "no-store"
    return MfaEnrolment(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@enrolment.post(
    "/me/mfa/confirm",
    summary="Turn two-step sign-in on with a code of the new key",
    responses=problems(mfa.MfaAlreadyEnabled, mfa.MfaNotStarted, totp.WrongCode),
)
async def confirm_mfa(
    body: CodeIn,
    response: Response,
    actor: EnrollingActor,
    db: SessionDep,
    settings: SettingsDep,
    client: ClientAddress,
) -> LoginOut:
    """Every other session ends; this one is replaced (a new access token and cookie)."""
    session = await mfa.confirm(db, actor.user, body.code, settings, client)
    return signed_in(response, session, settings)


@enrolment.delete(
    "/me/mfa",
    summary="Turn two-step sign-in off (password and a code)",
    responses=problems(mfa.MfaRequiredForAdmins, mfa.MfaNotEnabled, WrongPassword, totp.WrongCode),
)
async def disable_mfa(
    body: MfaDisableIn,
    response: Response,
    actor: EnrollingActor,
    db: SessionDep,
    settings: SettingsDep,
    client: ClientAddress,
) -> LoginOut:
    """Refused to an admin while it is required (`409 mfa_required_for_admins`). Every other
    session ends; this one is replaced."""
    session = await mfa.disable(db, actor.user, body.password, body.code, settings, client)
    return signed_in(response, session, settings)


@router.post(
    "/me/password",
    summary="Change my password; every other session ends",
    responses=problems(WrongPassword),
)
async def change_password(
    body: ChangePasswordIn,
    request: Request,
    response: Response,
    actor: SignedInActor,
    db: SessionDep,
    settings: SettingsDep,
) -> LoginOut:
    session = await service.change_password(
        db, actor.user, body.current_password, body.new_password, settings
    )
    return signed_in(response, session, settings)

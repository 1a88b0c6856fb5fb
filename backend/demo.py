"""Demo data for `make run`, and the admin account of a fresh installation."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.auth import security
from backend.auth.models import User
from backend.auth.service import check_password_rules, normalize_email
from backend.errors import EmailTaken
from backend.organisations.models import Organisation, OrganisationKind

DEMO_PASSWORD = "Demo-Wachtwoord-2026"

DEMO_ORGANISATIONS = [
    # kind, name, e-mail, postcode, city, provinces served
    (
        OrganisationKind.admin,
        "Stagematch beheer",
        "admin@stagematch.example.be",
        "1000",
        "Brussel",
        [],
    ),
    (
        OrganisationKind.school,
        "Sint-Jozefinstituut Brugge",
        "school.brugge@example.be",
        "8000",
        "Brugge",
        [],
    ),
    (OrganisationKind.school, "Atheneum Gent", "school.gent@example.be", "9000", "Gent", []),
    (
        OrganisationKind.service,
        "Thuiszorg Oostende",
        "dienst.oostende@example.be",
        "8400",
        "Oostende",
        ["BE-VWV"],
    ),
    (
        OrganisationKind.service,
        "Gezinszorg Leuven",
        "dienst.leuven@example.be",
        "3000",
        "Leuven",
        ["BE-VBR", "BE-BRU"],
    ),
]


async def _active_account(
    session: AsyncSession,
    kind: OrganisationKind,
    name: str,
    email: str,
    password: str,
    postcode: str | None = None,
    city: str | None = None,
    provinces: list[str] | None = None,
) -> User:
    email = normalize_email(email)
    if await session.scalar(select(User).where(User.email == email)) is not None:
        raise EmailTaken(f"{email} already has an account")
    organisation = Organisation(
        kind=kind, name=name, email=email, postcode=postcode, city=city, provinces=provinces or []
    )
    session.add(organisation)
    await session.flush()
    user = User(
        organisation_id=organisation.id,
        email=email,
        activated_at=clock.now(),
        password_hash=await security.hash_password(password),
    )
    session.add(user)
    await session.flush()
    return user


async def create_admin(session: AsyncSession, email: str, password: str) -> User:
    """An active admin account, in the admin organisation (created when missing)."""
    check_password_rules(password)
    organisation = await session.scalar(
        select(Organisation).where(Organisation.kind == OrganisationKind.admin).limit(1)
    )
    if organisation is None:
        return await _active_account(
            session, OrganisationKind.admin, "Stagematch beheer", email, password
        )
    email = normalize_email(email)
    if await session.scalar(select(User).where(User.email == email)) is not None:
        raise EmailTaken(f"{email} already has an account")
    user = User(
        organisation_id=organisation.id,
        email=email,
        activated_at=clock.now(),
        password_hash=await security.hash_password(password),
    )
    session.add(user)
    await session.flush()
    return user


async def seed(session: AsyncSession, if_empty: bool = False) -> list[tuple[str, str, str]]:
    """Demo organisations with active accounts; returns (role, e-mail, password) per login."""
    if if_empty and await session.scalar(select(Organisation.id).limit(1)) is not None:
        return []
    logins = []
    for kind, name, email, postcode, city, provinces in DEMO_ORGANISATIONS:
        await _active_account(session, kind, name, email, DEMO_PASSWORD, postcode, city, provinces)
        logins.append((kind.value, email, DEMO_PASSWORD))
    return logins

"""Demo data for `make run`, and the admin account of a fresh installation."""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.auth import security
from backend.auth.models import User
from backend.auth.service import check_password_rules, normalize_email
from backend.campaigns.models import Campaign, CampaignRound, Track
from backend.clock import BRUSSELS
from backend.errors import EmailTaken
from backend.organisations.models import Organisation, OrganisationKind
from backend.placements.models import PlacementRequest, RequestEvent
from backend.reference.contact import normalize_phone
from backend.reference.national_number import make_national_number
from backend.reference.postcodes import lookup_postcode
from backend.supervisors.models import Supervisor

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
    """Demo organisations with active accounts, this school year's campaigns, supervisors and
    requests; returns (role, e-mail, password) per login."""
    if if_empty and await session.scalar(select(Organisation.id).limit(1)) is not None:
        return []
    logins = []
    schools: list[User] = []
    for kind, name, email, postcode, city, provinces in DEMO_ORGANISATIONS:
        user = await _active_account(
            session, kind, name, email, DEMO_PASSWORD, postcode, city, provinces
        )
        logins.append((kind.value, email, DEMO_PASSWORD))
        if kind == OrganisationKind.school:
            schools.append(user)
    campaigns = await _demo_campaigns(session)
    await _demo_requests(session, campaigns, schools)
    return logins


# --- campaigns, supervisors and requests -------------------------------------------------

# The manual's calendar: open in June, requests until 15 November (end of day), decisions
# until 30 November 12:00, Brussels time.
MANUAL_OPENING = (6, 1)
MANUAL_REQUEST_DEADLINE = (11, 15)
MANUAL_DECISION_DEADLINE = (11, 30)
# When the manual's request deadline of this school year has passed (a demo seeded late in
# the autumn), the deadlines move so the demo stays usable: requests for two more weeks,
# decisions until noon two weeks after that.
DEMO_SHIFT_REQUESTS = timedelta(days=14)
DEMO_SHIFT_DECISIONS = timedelta(days=14)

DEMO_SUPERVISORS = [
    ("Greet", "Claes", "050 44 55 66", "greet.claes"),
    ("Koen", "Maes", "0478 11 22 33", "koen.maes"),
]

DEMO_PUPILS = [
    # first name, last name, postcode, city, track, transport
    ("Lotte", "Vermeulen", "8000", "Brugge", "duaal", ["bike", "public_transport"]),
    ("Yasmine", "El Amrani", "8400", "Oostende", "duaal", ["public_transport"]),
    ("Ruben", "Desmet", "8500", "Kortrijk", "duaal", ["car"]),
    ("Emma", "Goossens", "9000", "Gent", "duaal", ["bike"]),
    ("Noor", "Van Damme", "9300", "Aalst", "stage", ["public_transport", "bike"]),
    ("Lucas", "Peeters", "2000", "Antwerpen", "duaal", ["e_bike_moped"]),
    ("Elise", "Wouters", "2800", "Mechelen", "stage", ["bike"]),
    ("Milan", "Jacobs", "3000", "Leuven", "duaal", ["public_transport"]),
    ("Sara", "Claes", "3500", "Hasselt", "duaal", ["car", "bike"]),
    ("Amira", "Benali", "3600", "Genk", "stage", ["public_transport"]),
    ("Jonas", "Willems", "9100", "Sint-Niklaas", "duaal", ["bike"]),
    ("Fien", "De Smet", "1000", "Brussel", "duaal", ["public_transport"]),
]


def _brussels(year: int, month_day: tuple[int, int], at: time) -> datetime:
    return datetime.combine(date(year, *month_day), at, tzinfo=BRUSSELS).astimezone(UTC)


def demo_moments(now: datetime) -> tuple[str, datetime, datetime, datetime]:
    """This school year and its three moments: the manual's, or shifted when its request
    deadline has already passed."""
    local = now.astimezone(BRUSSELS)
    first_year = local.year if local.month >= MANUAL_OPENING[0] else local.year - 1
    opens = _brussels(first_year, MANUAL_OPENING, time(0, 0))
    requests = _brussels(first_year, MANUAL_REQUEST_DEADLINE, time(23, 59, 59))
    decisions = _brussels(first_year, MANUAL_DECISION_DEADLINE, time(12, 0))
    if requests < now:
        day = (local + DEMO_SHIFT_REQUESTS).date()
        requests = datetime.combine(day, time(23, 59, 59), tzinfo=BRUSSELS).astimezone(UTC)
        decisions = datetime.combine(
            day + DEMO_SHIFT_DECISIONS, time(12, 0), tzinfo=BRUSSELS
        ).astimezone(UTC)
    return f"{first_year}-{first_year + 1}", opens, requests, decisions


async def _demo_campaigns(session: AsyncSession) -> dict[str, Campaign]:
    school_year, opens, requests, decisions = demo_moments(clock.now())
    campaigns = {}
    for track in (Track.duaal, Track.stage):
        found = await session.scalar(
            select(Campaign).where(Campaign.school_year == school_year, Campaign.track == track)
        )
        if found is None:
            found = Campaign(
                school_year=school_year,
                track=track,
                opens_at=opens,
                request_deadline=requests,
                decision_deadline=decisions,
            )
            session.add(found)
            await session.flush()
            session.add(
                CampaignRound(
                    campaign_id=found.id,
                    number=1,
                    decision_deadline=decisions,
                    opened_at=clock.now(),
                )
            )
        campaigns[track.value] = found
    await session.flush()
    return campaigns


async def _demo_supervisors(
    session: AsyncSession, schools: list[User]
) -> dict[uuid.UUID, list[Supervisor]]:
    """Two workplace supervisors per demo school."""
    supervisors: dict[uuid.UUID, list[Supervisor]] = {}
    for user in schools:
        domain = user.email.split("@", 1)[1]
        supervisors[user.organisation_id] = []
        for first, last, phone, local_part in DEMO_SUPERVISORS:
            supervisor = Supervisor(
                school_id=user.organisation_id,
                first_name=first,
                last_name=last,
                phone=normalize_phone(phone),
                email=f"{local_part}.{user.organisation_id.hex[:4]}@{domain}",
            )
            session.add(supervisor)
            supervisors[user.organisation_id].append(supervisor)
    await session.flush()
    return supervisors


async def _demo_requests(
    session: AsyncSession, campaigns: dict[str, Campaign], schools: list[User]
) -> None:
    supervisors = await _demo_supervisors(session, schools)
    now = clock.now()
    for n, (first, last, postcode, city, track, transport) in enumerate(DEMO_PUPILS):
        school = schools[n % len(schools)]
        campaign = campaigns[track]
        number = make_national_number(date(2008, 1 + n % 12, 1 + (3 * n) % 28), 100 + n)
        info = lookup_postcode(postcode)
        if info is None:
            raise ValueError(f"demo postcode {postcode} is not a Belgian postcode")
        request = PlacementRequest(
            campaign_id=campaign.id,
            school_id=school.organisation_id,
            supervisor_id=supervisors[school.organisation_id][n % 2].id,
            first_name=first,
            last_name=last,
            national_number_encrypted=crypto.encrypt(number),
            national_number_hash=crypto.blind_index(number),
            street=f"Stationsstraat {10 + n}",
            postcode=postcode,
            city=city,
            province=info.province,
            latitude=info.latitude,
            longitude=info.longitude,
            phone=normalize_phone(f"0470 00 00 {10 + n:02d}"),
            email=f"{first.lower()}.{last.lower().replace(' ', '')}@leerling.example.be",
            transport_modes=transport,
            remarks="Kleurenblind" if n == 3 else None,
            start_date=date(2027, 1, 4) if n % 3 == 0 else None,
            end_date=date(2027, 6, 25) if n % 3 == 0 else None,
            hours_per_week=16 + (n % 4) * 4,
            days=["mon", "tue", "wed"] if n % 2 else ["wed", "thu", "fri"],
            form=("block" if n % 2 else "alternating") if track == "duaal" else None,
        )
        session.add(request)
        await session.flush()
        session.add(
            RequestEvent(
                request_id=request.id,
                at=now,
                kind="created",
                actor_user_id=school.id,
                actor_organisation_id=school.organisation_id,
                details={"via": "demo"},
            )
        )
    await session.flush()

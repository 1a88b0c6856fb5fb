"""Lists and details agree, for every viewer (hypothesis): random requests entered by random
schools, random service actions, the school's withdrawal and the admin moving each campaign's
phase, then for every viewer and every request of the example

    GET /placement-requests/{id} answers 200  <=>  the request is in at least one of the
    viewer's lists, and every list item equals that detail body.

The viewer's lists: a school's and the admin's overview; a service's browse list and each of
its own lists (`mine=invited|accepted|placed_elsewhere|withdrawn`) — a request a service may
know can be absent from the browse list and present in a `mine=` list, so the property is
about their union. Another school's request, and a school's own withdrawn one, answer 404 and
are in none of its lists (docs/PRODUCT.md, "Who sees what").

Each example starts from a clean slate without emptying the shared test database: its own
clock (frozen 40 days after the previous example's, so every earlier campaign is closed and
none takes this example's requests), its own campaigns (a new school year), its own
organisations; only the requests it entered are compared."""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from backend import clock
from backend.reference.national_number import make_national_number
from tests import factories
from tests.conftest import _role_client
from tests.services_helpers import accept, close, decline, invite, path, release, withdraw

API = "/api/v1"
REQUESTS = f"{API}/placement-requests"
PAGE_SIZE = 200  # the largest page: a few pages at most
OWNERS = 2  # schools that enter requests; a third school enters none
ACTING_SERVICES = 2  # services that invite, decline, accept...; a third never acts
TRACKS = ("duaal", "stage")
MINE = ("invited", "accepted", "placed_elsewhere", "withdrawn")

# A campaign's three moments, in days from now, for each phase the admin moves it into.
PHASES = {
    "before_open": (1, 10, 20),  # the opening moved later than now
    "requests_open": (-1, 10, 20),
    "decisions_open": (-2, -1, 10),  # the request deadline passed
    "closed": (-3, -2, -1),  # the decision deadline passed
}
SERVICE_ACTIONS = ("invite", "withdraw_invitation", "decline", "accept", "release")

# Every example's moments and school years are new (see the module's docstring).
FIRST_MOMENT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
EXAMPLE_SPACING = timedelta(days=40)
_examples = itertools.count()
_pupils = itertools.count(1)


# --- the scenarios ------------------------------------------------------------------------

# Drawn from small pools (valid, with accents), so that a failing example shrinks quickly.
_names = st.sampled_from(["Lotte", "Jan", "Élise", "Noor", "Zoë", "Mohamed", "De Smet"])
# A city must be a place of its postcode (422 city_mismatch otherwise).
_places = st.sampled_from(
    [
        ("8000", "Brugge"),
        ("8400", "Oostende"),
        ("8500", "Kortrijk"),
        ("9000", "Gent"),
        ("1000", "Brussel"),
        ("2000", "Antwerpen"),
        ("3000", "Leuven"),
        ("3500", "Hasselt"),
    ]
)


@st.composite
def _fields(draw, track: str) -> dict:
    """The fields a school enters (the national number and supervisor are added later)."""
    start = draw(st.none() | st.dates(date(2029, 9, 1), date(2031, 6, 30)))
    postcode, city = draw(_places)
    fields = {
        "track": track,
        "first_name": draw(_names),
        "last_name": draw(_names),
        "street": f"Kerkstraat {draw(st.integers(1, 200))}",
        "postcode": postcode,
        "city": city,
        "phone": "0470 12 34 56",
        "email": "leerling@example.be",
        "transport_modes": draw(
            st.lists(
                st.sampled_from(["car", "e_bike_moped", "bike", "public_transport"]),
                min_size=1,
                unique=True,
            )
        ),
        "remarks": draw(st.none() | _names),
        "hours_per_week": draw(st.integers(1, 40)),
        "days": draw(
            st.lists(
                st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
                min_size=1,
                unique=True,
            )
        ),
    }
    if start is not None:
        fields["start_date"] = start.isoformat()
        fields["end_date"] = (start + timedelta(days=draw(st.integers(0, 300)))).isoformat()
    if track == "duaal":
        fields["form"] = draw(st.sampled_from(["block", "alternating"]))
    return fields


@dataclass(frozen=True)
class Entry:
    school: int  # which owning school enters it
    fields: dict

    def __repr__(self) -> str:  # short in a falsifying example
        return f"Entry(school={self.school}, track={self.fields['track']!r})"


STAGE_FIELDS = {
    "track": "stage",
    "first_name": "Lotte",
    "last_name": "Jan",
    "street": "Kerkstraat 1",
    "postcode": "8000",
    "city": "Brugge",
    "phone": "0470 12 34 56",
    "email": "leerling@example.be",
    "transport_modes": ["bike"],
    "remarks": None,
    "hours_per_week": 24,
    "days": ["mon"],
}

_entries = st.builds(
    Entry,
    school=st.integers(0, OWNERS - 1),
    fields=st.sampled_from(TRACKS).flatmap(_fields),
)

# A step, its request by its position among the example's entries (modulo their number):
# ("phase", request, phase): the admin moves the campaign of the request's track;
# ("school_withdraw", request); ("service", action, service, request).
REQUEST_INDEXES = range(2)
STEPS = [
    *(("phase", r, p) for r in REQUEST_INDEXES for p in PHASES),
    *(("school_withdraw", r) for r in REQUEST_INDEXES),
    *(
        ("service", a, s, r)
        for a in SERVICE_ACTIONS
        for s in range(ACTING_SERVICES)
        for r in REQUEST_INDEXES
    ),
]
scenarios = st.fixed_dictionaries(
    {
        "entries": st.lists(_entries, min_size=1, max_size=len(REQUEST_INDEXES)),
        "steps": st.lists(st.sampled_from(STEPS), max_size=8),
    }
)


# --- the example's world --------------------------------------------------------------------


@dataclass
class World:
    admin: object
    schools: list  # OWNERS owners, then a school without requests
    services: list  # ACTING_SERVICES acting, then a service that never acts
    campaigns: dict  # track -> campaign id
    request_ids: list


async def _campaign(admin, track: str, school_year: str) -> str:
    response = await admin.post(
        f"{API}/campaigns",
        json={"school_year": school_year, "track": track, **_moments("requests_open")},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _moments(phase: str) -> dict[str, str]:
    now = clock.now()
    opens, requests, decisions = (now + timedelta(days=d) for d in PHASES[phase])
    return {
        "opens_at": opens.isoformat(),
        "request_deadline": requests.isoformat(),
        "decision_deadline": decisions.isoformat(),
    }


def _national_number() -> str:
    """A pupil of 17 on the campaigns' opening day (the age rule counts then)."""
    n = next(_pupils)
    born = date(clock.now().year - 17, 1 + n % 12, 1 + n % 28)
    return make_national_number(born, 1 + n % 997)


async def _world(app, sessionmaker, db, entries: list[Entry]) -> World:
    n = next(_examples)
    clock.freeze(FIRST_MOMENT + n * EXAMPLE_SPACING)
    admin = await _role_client(app, sessionmaker, "admin")
    schools = [await _role_client(app, sessionmaker, "school") for _ in range(OWNERS + 1)]
    services = [
        await _role_client(app, sessionmaker, "service", postcode="8400")
        for _ in range(ACTING_SERVICES + 1)
    ]
    year = 2100 + n
    campaigns = {t: await _campaign(admin, t, f"{year}-{year + 1}") for t in TRACKS}
    supervisors = []
    for school in schools[:OWNERS]:
        supervisors.append(await factories.supervisor(db, school.account.organisation_id))
    await db.commit()
    request_ids = []
    for entry in entries:
        body = {
            **entry.fields,
            "national_number": _national_number(),
            "supervisor_id": str(supervisors[entry.school].id),
        }
        response = await schools[entry.school].post(REQUESTS, json=body)
        assert response.status_code == 201, response.text
        assert response.json()["campaign"]["id"] == campaigns[entry.fields["track"]]
        request_ids.append(response.json()["id"])
    return World(admin, schools, services, campaigns, request_ids)


async def _do(world: World, entries: list[Entry], step: tuple):
    """One step through the API; refusals (404, 409) are part of the game."""
    match step:
        case ("phase", index, phase):
            campaign = world.campaigns[entries[index % len(entries)].fields["track"]]
            return await world.admin.patch(f"{API}/campaigns/{campaign}", json=_moments(phase))
        case ("school_withdraw", index):
            index %= len(entries)
            owner = world.schools[entries[index].school]
            return await owner.delete(path(world.request_ids[index]))
        case ("service", action, who, index):
            client = world.services[who]
            request_id = world.request_ids[index % len(entries)]
            match action:
                case "invite":
                    return await invite(client, request_id)
                case "withdraw_invitation":
                    return await withdraw(client, request_id)
                case "decline":
                    return await decline(client, request_id, "Geen plaats meer")
                case "accept":
                    return await accept(client, request_id)
                case "release":
                    return await release(client, request_id)
    raise AssertionError(step)


# --- the property ---------------------------------------------------------------------------


def _viewers(world: World) -> list[tuple[str, object, list[dict]]]:
    """(name, client, the query parameters of each of its lists)."""
    viewers = [
        # The admin's overview holds every request of the database: scoped to this example's.
        ("admin", world.admin, [{"campaign_id": c} for c in world.campaigns.values()]),
    ]
    viewers += [(f"school {i}", s, [{}]) for i, s in enumerate(world.schools)]
    service_lists = [{}, *({"mine": m} for m in MINE)]
    viewers += [(f"service {i}", s, service_lists) for i, s in enumerate(world.services)]
    return viewers


async def _list(client, params: dict) -> list[dict]:
    """Every item of a list, page after page."""
    items, page = [], 1
    while True:
        response = await client.get(
            REQUESTS, params={**params, "page": page, "page_size": PAGE_SIZE}
        )
        assert response.status_code == 200, response.text
        data = response.json()
        items += data["items"]
        if len(data["items"]) < PAGE_SIZE:
            return items
        page += 1


def _differences(item: dict, detail: dict) -> dict:
    """field -> (in the list, in the detail) where they differ."""
    missing = "<absent>"
    return {
        key: (item.get(key, missing), detail.get(key, missing))
        for key in sorted(item.keys() | detail.keys())
        if item.get(key, missing) != detail.get(key, missing)
    }


async def _check_viewer(name: str, client, lists: list[dict], world: World) -> None:
    ours = set(world.request_ids)
    listed: dict[str, list[tuple[dict, dict]]] = {}
    for params in lists:
        for item in await _list(client, params):
            if item["id"] in ours:
                listed.setdefault(item["id"], []).append((params, item))
    for index, request_id in enumerate(world.request_ids):
        detail = await client.get(path(request_id))
        assert detail.status_code in (200, 404), detail.text
        where = [params for params, _ in listed.get(request_id, [])]
        seen = f"{name}, request {index}: detail {detail.status_code}, in the lists {where}"
        if detail.status_code == 404:
            assert not where, f"listed but not readable: {seen}"
            continue
        assert where, f"readable but in none of the viewer's lists: {seen}"
        for params, item in listed[request_id]:
            # `distance_km` is a field of the services' lists only (from the service's
            # postcode or `near=`); the detail has no origin to measure from.
            item = {k: v for k, v in item.items() if k != "distance_km"}
            differences = _differences(item, detail.json())
            assert not differences, f"list {params} differs from the detail: {seen}: {differences}"


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios)
# Found by the search on main (3aa1465): the admin moves the opening of a campaign later than
# now; its open request stays in the services' browse list, and its detail answers 404.
@example(
    scenario={
        "entries": [Entry(school=0, fields=STAGE_FIELDS)],
        "steps": [("phase", 0, "before_open")],
    }
)
async def test_every_list_agrees_with_the_detail(app, sessionmaker, db, scenario):
    entries, steps = scenario["entries"], scenario["steps"]
    # Spelled out: the arguments of an async test are not shown in the falsifying example.
    note(f"entries={entries!r}")
    note(f"steps={steps!r}")
    world = await _world(app, sessionmaker, db, entries)
    try:
        for step in steps:
            clock.shift(timedelta(minutes=1))  # one moment per step: no ties in the orders
            response = await _do(world, entries, step)
            assert response.status_code in (200, 201, 204, 404, 409), (step, response.text)
        for name, client, lists in _viewers(world):
            await _check_viewer(name, client, lists, world)
    finally:
        await close(world.admin, *world.schools, *world.services)
        clock.reset()

"""Every page of the client, with the data that fills it: shared by the accessibility test and
scripts/screenshots.py, so both look at the same pages in the same states."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    Live,
    enter_request,
    login,
    school_with_supervisor,
)


@dataclass(frozen=True)
class Shown:
    """A page to open as `role` (None: signed out); `then` brings it in a state (a dialog)."""

    name: str
    role: str | None
    path: str
    then: str | None = None


PAGES = [
    Shown("login", None, "/login"),
    Shown("login-resend-dialog", None, "/login", then="resend_dialog"),
    Shown("forgot", None, "/forgot"),
    Shown("activate", None, "/activate?token=voorbeeld"),
    Shown("reset-password", None, "/reset-password?token=voorbeeld"),
    Shown("not-found", None, "/bestaat-niet"),
    Shown("account", "school", "/account"),
    Shown("account-tokens", "school", "/account/tokens"),
    Shown("account-tokens-created", "school", "/account/tokens", then="create_token"),
    Shown("account-tokens-revoke-dialog", "school", "/account/tokens", then="revoke_token"),
    Shown("school-home", "school", "/school"),
    Shown("school-supervisors", "school", "/school/supervisors"),
    Shown("school-supervisor-form", "school", "/school/supervisors", then="add_supervisor"),
    Shown("school-overview", "school", "/school/requests"),
    Shown("school-request-new", "school", "/school/requests/new"),
    Shown("school-request-errors", "school", "/school/requests/new", then="save_empty"),
    Shown("school-request-edit", "school", "/school/requests/{open_id}"),
    Shown("school-request-locked", "school", "/school/requests/{accepted_id}"),
    Shown("school-request-interview", "school", "/school/requests/{invited_id}"),
    Shown("school-import", "school", "/school/requests/import"),
    Shown("service-browse", "service", "/service"),
    Shown("service-mine", "service", "/service/mine"),
    Shown("service-detail", "service", "/service/requests/{invited_id}"),
    Shown("service-accept-dialog", "service", "/service/requests/{invited_id}", then="accept"),
    Shown("service-decline-dialog", "service", "/service/requests/{invited_id}", then="decline"),
    Shown(
        "service-interview-dialog", "service", "/service/requests/{invited_id}", then="interview"
    ),
    Shown("service-accepted", "service", "/service/requests/{accepted_id}"),
    Shown("service-browse-fit", "service", "/service?sort=fit"),
    Shown("service-profile", "service", "/service/profile"),
    Shown("admin-dashboard", "admin", "/admin"),
    Shown("admin-requests", "admin", "/admin/requests"),
    Shown("admin-request", "admin", "/admin/requests/{invited_id}"),
    Shown("admin-request-reveal-dialog", "admin", "/admin/requests/{invited_id}", then="reveal"),
    Shown("admin-request-revealed", "admin", "/admin/requests/{accepted_id}", then="revealed"),
    Shown("admin-organisations", "admin", "/admin/organisations"),
    Shown("admin-organisation-profile", "admin", "/admin/organisations", then="profile"),
    Shown("admin-campaigns", "admin", "/admin/campaigns"),
    Shown("admin-conflicts", "admin", "/admin/conflicts"),
    Shown("admin-proposal", "admin", "/admin/campaigns/{duaal_campaign_id}/proposal"),
    Shown("admin-conflict-withdraw-dialog", "admin", "/admin/conflicts", then="withdraw"),
    Shown("admin-dashboard-export-dialog", "admin", "/admin", then="export_reason"),
    Shown("admin-request-download-dialog", "admin", "/admin/requests/{open_id}", then="download"),
    Shown("admin-outbox", "admin", "/admin/outbox"),
    Shown("admin-outbox-mail", "admin", "/admin/outbox/{accepted_mail_id}"),
    Shown("admin-audit", "admin", "/admin/audit"),
]


@dataclass
class World:
    logins: dict[str, tuple[str, str]]
    ids: dict[str, str] = field(default_factory=dict)
    invited_email: str = ""


def build_world(live: Live) -> World:
    """A school with three pupils (open, invited, accepted) and a service that acted on two;
    a second school entered the open one too (a conflict for the admin)."""
    campaigns = live.ensure_campaigns()
    school, client, supervisor = school_with_supervisor(live, "Sint-Jozefinstituut Brugge", "8000")
    service = live.activated("service", "Thuiszorg Oostende", "8400", provinces=["BE-VWV"])
    service_client = live.client_for(service["email"])
    ids = {}
    for key, first, last, city, postcode in [
        ("open_id", "Lotte", "Peeters", "Brugge", "8000"),
        ("invited_id", "Noor", "Vermeulen", "Oostende", "8400"),
        ("accepted_id", "Milan", "Jacobs", "Gistel", "8470"),
    ]:
        ids[key] = enter_request(
            client,
            supervisor,
            first_name=first,
            last_name=last,
            city=city,
            postcode=postcode,
            start_date="2027-02-01",
            end_date="2027-06-30",
            email=f"{first.lower()}.{last.lower()}@example.be",
            remarks="Kleurenblind." if first == "Noor" else None,
        )["id"]
    _, twin_client, twin_supervisor = school_with_supervisor(live, "Atheneum Oostende", "8400")
    open_request = client.get(f"/placement-requests/{ids['open_id']}").json()
    ids["twin_id"] = enter_request(
        twin_client,
        twin_supervisor,
        first_name="Lotte",
        last_name="Peeters",
        national_number=open_request["national_number"],
    )["id"]
    twin_client.close()
    # The invited pupil's interview: in a week, 14:00 Brussels time (a winter or summer offset
    # alike: the server keeps the instant).
    day = (datetime.now(UTC) + timedelta(days=7)).astimezone(ZoneInfo("Europe/Brussels"))
    interview = {
        "starts_at": day.replace(hour=14, minute=0, second=0, microsecond=0).isoformat(),
        "place": "Thuiszorg Oostende, Kapellestraat 12, 8400 Oostende",
    }
    for key in ("invited_id", "accepted_id"):
        body = {"interview": interview} if key == "invited_id" else None
        service_client.post(
            f"/placement-requests/{ids[key]}/invitations", json=body
        ).raise_for_status()
    service_client.post(
        f"/placement-requests/{ids['accepted_id']}/acceptance",
        json={
            "notes": "Start op maandag 1 februari om 8u30 aan het onthaal.",
            "contact_person": {
                "name": "Mieke Janssens",
                "phone": "059 22 33 44",
                "email": "mieke@example.be",
            },
        },
    ).raise_for_status()
    # The school's script has a key; the service can take 4 pupils this year (1 taken).
    client.post(
        "/api-tokens", json={"name": "Leerlingenadministratie", "read_only": True}
    ).raise_for_status()
    live.admin().put(
        f"/organisations/{service['id']}/capacities/{campaigns['duaal']['id']}",
        json={"capacity": 4},
    ).raise_for_status()
    # What fits the service: Monday to Wednesday, within 30 km, by bike or public transport.
    service_client.put(
        f"/organisations/{service['id']}/preferences",
        json={
            "days": ["mon", "tue", "wed"],
            "max_distance_km": 30,
            "transport_modes": ["bike", "public_transport"],
        },
    ).raise_for_status()
    ids["duaal_campaign_id"] = campaigns["duaal"]["id"]
    invited = live.invite("school", "Atheneum Gent", "9000")
    # The school's mail of the acceptance (a phone, a mail address, a link), as the admin reads it.
    outbox = live.admin().get("/admin/outbox", params={"page_size": 100}).json()["items"]
    ids["accepted_mail_id"] = next(m["id"] for m in outbox if m["template"] == "pupil_accepted")
    client.close()
    service_client.close()
    return World(
        logins={
            "school": (school["email"], PASSWORD),
            "service": (service["email"], PASSWORD),
            "admin": (ADMIN_EMAIL, ADMIN_PASSWORD),
        },
        ids=ids,
        invited_email=invited["email"],
    )


READY = (
    "() => document.querySelector('main h1') && !document.querySelector('.loading')"
    " && !document.querySelector('.boot')"
)


def show(page, world: World, shown: Shown, signed_in: bool = False) -> None:
    """Signs in as the page's role (unless `signed_in`), opens the page, waits until it has
    loaded, applies `then`."""
    if shown.role and not signed_in:
        email, password = world.logins[shown.role]
        login(page, email, password, shown.role)
    page.goto(shown.path.format(**world.ids))
    page.wait_for_function(READY)
    if shown.then == "resend_dialog":
        page.locator("#email").fill(world.invited_email)
        page.locator("#password").fill("om het even wat")
        page.get_by_role("button", name="Aanmelden").click()
        page.get_by_role("dialog").wait_for()
    elif shown.then == "add_supervisor":
        page.get_by_role("button", name="Werkplekbegeleider toevoegen").click()
        page.get_by_role("button", name="Opslaan").click()
        page.locator("#first_name-error").wait_for()
    elif shown.then == "save_empty":
        page.get_by_role("button", name="Opslaan en sluiten").click()
        page.locator("#first_name-error").wait_for()
    elif shown.then == "accept":
        page.get_by_role("button", name="Aanvaarden").click()
        page.get_by_role("dialog").wait_for()
    elif shown.then == "interview":
        page.get_by_role("button", name="Gesprek wijzigen").click()
        page.get_by_role("dialog").wait_for()
    elif shown.then == "create_token":
        page.get_by_label("Naam").fill("Boekhouding")
        page.get_by_label("Lezen en wijzigen").check()
        page.get_by_role("button", name="Sleutel maken").click()
        page.get_by_role("heading", name="Je nieuwe sleutel: Boekhouding").wait_for()
    elif shown.then == "revoke_token":
        page.get_by_role("button", name="Sleutel Leerlingenadministratie intrekken").click()
        page.get_by_role("dialog").wait_for()
    elif shown.then == "decline":
        page.get_by_role("button", name="Niet weerhouden").click()
        page.get_by_role("dialog").wait_for()
    elif shown.then in ("reveal", "revealed"):
        page.get_by_role("button", name="Rijksregisternummer, telefoon en e-mail tonen").click()
        page.get_by_role("dialog").wait_for()
        if shown.then == "revealed":
            page.get_by_label("Reden").fill("Vraag van de school over een tikfout.")
            page.get_by_role("dialog").get_by_role("button", name="Tonen").click()
            page.get_by_role("status").filter(has_text="Het logboek").wait_for()
    elif shown.then == "withdraw":
        page.get_by_role("button", name="Intrekken").first.click()
        page.get_by_role("dialog").wait_for()
    elif shown.then == "export_reason":
        page.get_by_role("button", name="Exporteren met rijksregisternummers (Excel)").click()
        page.get_by_role("dialog").wait_for()
    elif shown.then == "download":
        page.get_by_role("button", name="Alle gegevens van de leerling downloaden").click()
        page.get_by_role("dialog").wait_for()
    elif shown.then == "profile":
        page.get_by_role("button", name="Thuiszorg Oostende bewerken").first.click()
        page.get_by_role("form", name="Gegevens van Thuiszorg Oostende").wait_for()
        page.wait_for_function(READY)
    # Charts draw after their library loads; fonts settle.
    page.wait_for_timeout(150)

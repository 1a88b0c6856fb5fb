"""The client tells the truth at every moment of a campaign: in each phase (the deadlines
moved through the admin API, and restored after: the browser tests share one server) the
school and the service see exactly the buttons of the request's `actions`, each shown action
succeeds, every page carries the phase's banner, and after the decision deadline an invited
pupil reads "Niet geplaatst" without buttons. A school reads which service declined or undid
its acceptance, and why."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser

# Deadlines around now, in days, that put a campaign in each phase.
MOMENTS = {
    "before_open": (1, 2, 3),
    "requests_open": (-1, 1, 2),
    "decisions_open": (-2, -1, 1),
    "closed": (-3, -2, -1),
}
SERVICE_LABELS = {
    "invite": "Uitnodigen voor een gesprek",
    "accept": "Aanvaarden",
    "decline": "Niet weerhouden",
    "withdraw_invitation": "Uitnodiging intrekken",
    "release": "Aanvaarding ongedaan maken",
}


def _move(live, campaign: dict, moments: dict) -> None:
    moved = live.admin().patch(f"/campaigns/{campaign['id']}", json=moments)
    assert moved.status_code == 200, moved.text


def _to_phase(live, campaign: dict, phase: str) -> None:
    now = datetime.now(UTC)
    names = ("opens_at", "request_deadline", "decision_deadline")
    _move(
        live,
        campaign,
        {
            n: (now + timedelta(days=d)).isoformat()
            for n, d in zip(names, MOMENTS[phase], strict=True)
        },
    )


def _shown_service_actions(page) -> list[str]:
    page.locator(".actions").first.wait_for(state="attached")
    return page.locator(".actions [data-action]").evaluate_all(
        "buttons => buttons.map(b => b.dataset.action)"
    )


def _check_school(page, school_client, pupil: dict, phase: str) -> None:
    actions = school_client.get(f"/placement-requests/{pupil['id']}").json()["actions"]
    page.goto(f"/school/requests/{pupil['id']}")
    page.locator(f".banner[data-phase='{phase}']").first.wait_for()
    page.locator(".status-line").wait_for()
    editable = page.get_by_role("button", name="Opslaan en sluiten").count() == 1
    deletable = page.get_by_role("button", name="Leerling verwijderen").count() == 1
    assert (editable, deletable) == ("edit" in actions, "withdraw_request" in actions), phase
    if editable:
        page.get_by_label("Opmerkingen").fill(f"Gewijzigd in fase {phase}")
        page.get_by_role("button", name="Opslaan en sluiten").click()
        page.wait_for_url("**/school/requests")
        seen = school_client.get(f"/placement-requests/{pupil['id']}").json()
        assert seen["remarks"] == f"Gewijzigd in fase {phase}"
    else:
        assert page.locator(".locked").count() == 1
    # "Nieuwe aanvraag" and the import only while the campaign allows a new request.
    page.goto("/school/requests")
    page.locator(f".banner[data-phase='{phase}']").first.wait_for()
    page.get_by_role("heading", name="Overzicht").or_(page.locator("h1")).first.wait_for()
    page.get_by_role("row").filter(has_text=pupil["last_name"]).wait_for()
    offered = page.get_by_role("link", name="Nieuwe aanvraag").and_(page.locator(".page-actions a"))
    assert (offered.count() == 1) == (phase == "requests_open"), phase
    inlezen = page.get_by_role("link", name="Leerlingen inlezen uit een bestand")
    assert (inlezen.count() == 1) == (phase == "requests_open"), phase


def _check_service(page, service_client, pupil: dict, phase: str) -> None:
    actions = service_client.get(f"/placement-requests/{pupil['id']}").json()["actions"]
    page.goto(f"/service/requests/{pupil['id']}")
    page.locator(f".banner[data-phase='{phase}']").first.wait_for()
    page.get_by_role("heading", name=f"{pupil['first_name']} {pupil['last_name']}").wait_for()
    assert sorted(_shown_service_actions(page)) == sorted(actions), phase
    if "withdraw_invitation" in actions:
        page.get_by_role("button", name=SERVICE_LABELS["withdraw_invitation"]).click()
        page.get_by_role("status").filter(has_text="ingetrokken").wait_for()
        after = service_client.get(f"/placement-requests/{pupil['id']}").json()
        assert after["invitations"][0]["outcome"] == "withdrawn"
        # Now only what the server offers again: inviting.
        page.locator("[data-action='invite']").wait_for()
        assert _shown_service_actions(page) == after["actions"] == ["invite"]


def test_each_phase_shows_exactly_the_servers_actions(page, new_page, live, campaigns):
    school, school_client, supervisor = school_with_supervisor(live, "Atheneum Diksmuide", "8600")
    service = live.activated("service", "Thuiszorg Diksmuide", "8600")
    service_client = live.client_for(service["email"])
    pupils = {}
    for phase in MOMENTS:
        pupils[phase] = enter_request(
            school_client, supervisor, first_name="Fase", last_name=f"{phase.replace('_', ' ')}"
        )
        invited = service_client.post(f"/placement-requests/{pupils[phase]['id']}/invitations")
        assert invited.status_code == 201, invited.text
    duaal = campaigns["duaal"]
    login(page, school["email"], role="school")
    serving = new_page()
    login(serving, service["email"], role="service")
    try:
        for phase in MOMENTS:
            _to_phase(live, duaal, phase)
            _check_school(page, school_client, pupils[phase], phase)
            _check_service(serving, service_client, pupils[phase], phase)
        # After the decision deadline: "Niet geplaatst", and no button, for both.
        closed = pupils["closed"]
        page.goto("/school/requests")
        row = page.get_by_role("row").filter(has_text=closed["last_name"])
        row.wait_for()
        assert "Niet geplaatst" in row.inner_text() and "Uitgenodigd" not in row.inner_text()
        serving.goto(f"/service/requests/{closed['id']}")
        serving.get_by_text("Niet geplaatst").first.wait_for()
        assert _shown_service_actions(serving) == []
        # The service's banner says what the phase means for it.
        assert "uitnodigen en aanvaarden kan niet meer" in serving.locator(".banner").inner_text()
    finally:
        _move(
            live,
            duaal,
            {k: duaal[k] for k in ("opens_at", "request_deadline", "decision_deadline")},
        )
        service_client.close()
        school_client.close()


def test_the_service_banner_names_its_deadline(page, live, campaigns):
    service = live.activated("service", "Thuiszorg Veurne", "8630")
    login(page, service["email"], role="service")
    banner = page.locator(".banner[data-phase='requests_open']").first
    banner.wait_for()
    assert "Uitnodigen en aanvaarden kan tot" in banner.inner_text()


def test_the_school_reads_declines_and_releases_with_their_reasons(page, live, campaigns):
    school, school_client, supervisor = school_with_supervisor(live, "VTI Poperinge", "8970")
    pupil = enter_request(school_client, supervisor, first_name="Mona", last_name="Lievens")
    decliner = live.activated("service", "Thuiszorg Poperinge", "8970")
    releaser = live.activated("service", "Zorgpunt Ieper", "8900")
    clients = [live.client_for(s["email"]) for s in (decliner, releaser)]
    url = f"/placement-requests/{pupil['id']}"
    for client in clients:
        client.post(f"{url}/invitations").raise_for_status()
    clients[0].post(
        f"{url}/invitations/mine/decline", json={"reason": "Geen klik tijdens het gesprek."}
    ).raise_for_status()
    clients[1].post(
        f"{url}/acceptance",
        json={
            "notes": "Start 1 maart.",
            "contact_person": {"name": "An", "phone": "057 20 30 40", "email": "an@example.be"},
        },
    ).raise_for_status()
    clients[1].post(
        f"{url}/acceptance/release", json={"reason": "Onze begeleider valt langdurig uit."}
    ).raise_for_status()

    login(page, school["email"], role="school")
    page.goto("/school/requests")
    row = page.get_by_role("row").filter(has_text="Lievens")
    row.wait_for()
    assert "Niet weerhouden door Thuiszorg Poperinge" in row.inner_text()
    assert "Aanvaarding ingetrokken door Zorgpunt Ieper" in row.inner_text()
    row.get_by_role("link").first.click()
    history = page.locator(".history")
    history.wait_for()
    assert "reden: Geen klik tijdens het gesprek." in history.inner_text()
    assert "reden: Onze begeleider valt langdurig uit." in history.inner_text()
    for client in [*clients, school_client]:
        client.close()

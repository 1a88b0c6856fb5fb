"""A service's own lists ("mijn leerlingen"), the export of its accepted pupils, and undoing
an acceptance with a reason."""

import pytest

from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser


def test_my_pupils_export_and_release(page, new_page, live, campaigns):
    _, school_client, supervisor = school_with_supervisor(live, "Sint-Vincentius Roeselare", "8800")
    pupil = enter_request(school_client, supervisor, first_name="Roos", last_name="Vanneste")
    winner = live.activated("service", "Zorgpunt Roeselare", "8800")
    other = live.activated("service", "Thuishulp Izegem", "8870")
    clients = {s["name"]: live.client_for(s["email"]) for s in (winner, other)}
    for client in clients.values():
        client.post(f"/placement-requests/{pupil['id']}/invitations").raise_for_status()
    clients["Zorgpunt Roeselare"].post(
        f"/placement-requests/{pupil['id']}/acceptance",
        json={
            "notes": "Start 1 maart.",
            "contact_person": {"name": "An", "phone": "051 20 30 40", "email": "an@example.be"},
        },
    ).raise_for_status()

    # The other service finds the pupil under "placed elsewhere", not in its invitations.
    login(page, other["email"], role="service")
    page.get_by_role("navigation").get_by_role("link", name="Mijn leerlingen").click()
    page.get_by_role("heading", name="Mijn leerlingen").wait_for()
    page.get_by_role("button", name="Uitgenodigd", exact=True).click()
    page.get_by_text("Geen aanvragen gevonden.").wait_for()
    page.get_by_role("button", name="Elders geplaatst").click()
    row = page.get_by_role("row").filter(has_text="Roos Vanneste")
    row.wait_for()
    assert "Elders geplaatst" in row.inner_text()

    # The winner sees the pupil among its accepted ones and exports them.
    winning = new_page()
    login(winning, winner["email"], role="service")
    winning.goto("/service/mine")
    winning.get_by_role("row").filter(has_text="Roos Vanneste").wait_for()
    with winning.expect_download() as download:
        winning.get_by_role("button", name="Aanvaarde leerlingen exporteren (CSV)").click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert "Vanneste" in exported and pupil["national_number"] in exported

    # It undoes the acceptance, with a reason; the pupil is free again for the others.
    winning.get_by_role("link", name="Roos Vanneste").click()
    winning.get_by_role("button", name="Aanvaarding ongedaan maken").click()
    dialog = winning.get_by_role("dialog", name="Aanvaarding ongedaan maken")
    dialog.get_by_role("button", name="Ongedaan maken").click()
    assert dialog.locator("#reason-error").inner_text() == "Vul een reden in."
    dialog.get_by_label("Reden").fill("Onze begeleider valt langdurig uit.")
    dialog.get_by_role("button", name="Ongedaan maken").click()
    winning.get_by_role("status").filter(has_text="ongedaan gemaakt").wait_for()
    seen = school_client.get(f"/placement-requests/{pupil['id']}").json()
    assert seen["status"] in ("open", "invited") and seen["acceptance"] is None
    page.get_by_role("navigation").get_by_role("link", name="Leerlingen zoeken").click()
    page.get_by_role("row").filter(has_text="Roos Vanneste").wait_for()
    for client in [*clients.values(), school_client]:
        client.close()


def test_decline_after_the_interview_with_a_reason(page, live, campaigns):
    school, school_client, supervisor = school_with_supervisor(live, "VTI Torhout", "8820")
    pupil = enter_request(school_client, supervisor, first_name="Jens", last_name="Maes")
    service = live.activated("service", "Zorg Torhout", "8820")
    client = live.client_for(service["email"])
    client.post(f"/placement-requests/{pupil['id']}/invitations").raise_for_status()
    client.close()
    login(page, service["email"], role="service")
    page.goto(f"/service/requests/{pupil['id']}")
    page.get_by_role("button", name="Niet weerhouden").click()
    dialog = page.get_by_role("dialog", name="Jens Maes niet weerhouden")
    # The reason is optional, labelled, and its field has focus first.
    page.wait_for_function("() => document.activeElement.id === 'reason'")
    dialog.get_by_label("Reden (niet verplicht)").fill("Geen klik tijdens het gesprek.")
    dialog.get_by_role("button", name="Niet weerhouden").click()
    page.get_by_role("status").filter(has_text="niet weerhouden").wait_for()
    assert dialog.count() == 0
    seen = school_client.get(f"/placement-requests/{pupil['id']}").json()
    assert [i["outcome"] for i in seen["invitations"]] == ["declined"]
    live.wait_for_mails(school["email"], 3)  # activation, invited, declined
    school_client.close()


def test_browse_shows_the_places_left_and_the_detail_the_distance(page, live, campaigns):
    _, school_client, supervisor = school_with_supervisor(live, "Sint-Andreas Oostende", "8400")
    pupils = [
        enter_request(school_client, supervisor, first_name=first, last_name="Dewulf")
        for first in ("Ella", "Finn")
    ]
    service = live.activated("service", "Thuiszorg Brugge", "8000")
    duaal = campaigns["duaal"]
    live.admin().put(
        f"/organisations/{service['id']}/capacities/{duaal['id']}", json={"capacity": 1}
    ).raise_for_status()
    login(page, service["email"], role="service")
    year = duaal["school_year"]
    page.get_by_text(f"Nog 1 van 1 plaatsen vrij in schooljaar {year}.").wait_for()

    # The list's distance (Brugge to Oostende, about 20 km) follows to the detail page.
    row = page.get_by_role("row").filter(has_text="Ella Dewulf")
    km = row.get_by_role("cell").nth(2).inner_text()
    assert km.endswith(" km") and 10 < int(km.split()[0]) < 40
    row.get_by_role("link").click()
    page.get_by_text(f"Afstand: {km}").wait_for()

    client = live.client_for(service["email"])
    client.post(f"/placement-requests/{pupils[0]['id']}/invitations").raise_for_status()
    client.post(
        f"/placement-requests/{pupils[0]['id']}/acceptance",
        json={
            "notes": "Start in februari.",
            "contact_person": {"name": "Jo", "phone": "050 11 22 33", "email": "jo@example.be"},
        },
    ).raise_for_status()
    client.close()
    page.get_by_role("navigation").get_by_role("link", name="Leerlingen zoeken").click()
    page.get_by_text("Je kan geen leerlingen meer aanvaarden").wait_for()
    school_client.close()


def test_the_accept_dialog_starts_from_the_last_contact_person(page, live, campaigns):
    """The contact person of the service's latest acceptance fills the dialog (from the
    server: another browser sees it too)."""
    _, school_client, supervisor = school_with_supervisor(live, "Sint-Pieter Roeselare", "8800")
    first, second = (
        enter_request(school_client, supervisor, first_name=name, last_name="Vandamme")
        for name in ("Ines", "Jonas")
    )
    school_client.close()
    service = live.activated("service", "Dagcentrum Roeselare", "8800")
    client = live.client_for(service["email"])
    for pupil in (first, second):
        client.post(f"/placement-requests/{pupil['id']}/invitations").raise_for_status()
    client.post(
        f"/placement-requests/{first['id']}/acceptance",
        json={
            "notes": "Start in februari.",
            "contact_person": {"name": "An Desmet", "phone": "051 22 33 44", "email": "an@dc.be"},
        },
    ).raise_for_status()
    client.close()
    login(page, service["email"], role="service")
    page.goto(f"/service/requests/{second['id']}")
    page.get_by_role("button", name="Aanvaarden").click()
    dialog = page.get_by_role("dialog")
    page.wait_for_function("() => document.getElementById('contact_person.name')?.value")
    assert dialog.locator("#contact_person\\.name").input_value() == "An Desmet"
    assert dialog.locator("#contact_person\\.phone").input_value() == "051 22 33 44"
    assert dialog.locator("#contact_person\\.email").input_value() == "an@dc.be"
    assert dialog.locator("#notes").input_value() == ""

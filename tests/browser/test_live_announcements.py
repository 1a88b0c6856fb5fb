"""What changes without the user's doing is said, politely and by name, in the one live
region of the page (#announcer, there from the page's load): a service inviting or accepting
a pupil while the school's overview is open, a pupil leaving a service's list, the import
check's result. The list's count is not emptied and refilled on every reload, and a change
the user made is said by its own message only."""

import uuid

import pytest

from tests.browser.conftest import (
    enter_request,
    login,
    national_number,
    school_with_supervisor,
)

pytestmark = pytest.mark.browser

ACCEPTANCE = {
    "notes": "Welkom op 2 februari.",
    "contact_person": {"name": "Jan", "phone": "09 223 45 67", "email": "jan@example.be"},
}


def announced(page, words: str, timeout: float = 8000) -> None:
    page.wait_for_function(
        "(words) => document.getElementById('announcer').textContent.includes(words)",
        arg=words,
        timeout=timeout,
    )


def lines(page) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('#announcer p')].map((p) => p.textContent)"
    )


def watch_count(page) -> None:
    """Records every text the list's count shows from now on (window.counts)."""
    page.evaluate(
        """() => {
          const count = document.getElementById('results');
          window.counts = [count.textContent];
          new MutationObserver(() => window.counts.push(count.textContent))
            .observe(count, {childList: true, characterData: true, subtree: true});
        }"""
    )


def test_the_overview_names_what_another_service_did(page, live, campaigns):
    school, client, supervisor = school_with_supervisor(live, "Sint-Lodewijk Brugge", "8000")
    last = f"Desmet {uuid.uuid4().hex[:4]}"
    request = enter_request(client, supervisor, first_name="Ruben", last_name=last)
    enter_request(client, supervisor, first_name="Sara")
    service = live.activated("service", "Gezinszorg Leuven", "3000")
    service_client = live.client_for(service["email"])

    login(page, school["email"], role="school")
    # The live region is the page's own, there before the client drew anything.
    assert page.evaluate(
        "() => { const r = document.getElementById('announcer');"
        " return r.getAttribute('aria-live') === 'polite'"
        " && !document.getElementById('app').contains(r); }"
    )
    page.evaluate("() => { window.region = document.getElementById('announcer'); }")
    page.get_by_role("navigation").get_by_role("link", name="Overzicht").click()
    page.locator(f"tr[data-id='{request['id']}']").wait_for()
    page.get_by_role("status").filter(has_text="2 aanvragen").wait_for()
    # The stream opens once the rows are in; give it a moment to subscribe.
    page.wait_for_timeout(1000)
    watch_count(page)

    service_client.post(f"/placement-requests/{request['id']}/invitations").raise_for_status()
    announced(page, f"Ruben {last}: Uitgenodigd door Gezinszorg Leuven")
    page.locator(f"tr[data-id='{request['id']}']").filter(
        has_text="Uitgenodigd door Gezinszorg Leuven"
    ).wait_for()

    service_client.post(
        f"/placement-requests/{request['id']}/acceptance", json=ACCEPTANCE
    ).raise_for_status()
    announced(page, f"Ruben {last}: Aanvaard door Gezinszorg Leuven")
    page.wait_for_timeout(1000)
    said = lines(page)
    # Each change once, and nothing about the pupil nobody touched.
    assert said.count(f"Ruben {last}: Uitgenodigd door Gezinszorg Leuven") == 1, said
    assert said.count(f"Ruben {last}: Aanvaard door Gezinszorg Leuven") == 1, said
    assert not [line for line in said if line.startswith("Sara")], said
    # The count region was not emptied and refilled by the reloads (its number stayed).
    assert set(page.evaluate("window.counts")) == {"2 aanvragen"}

    # A new pupil (another tab of the school): the count changes, and says so.
    enter_request(client, supervisor, first_name="Tom", last_name=f"Claes {uuid.uuid4().hex[:4]}")
    page.get_by_role("status").filter(has_text="3 aanvragen").wait_for()
    assert "" not in page.evaluate("window.counts")
    # The same region all along: never re-created.
    assert page.evaluate("() => window.region === document.getElementById('announcer')")
    service_client.close()
    client.close()


def test_a_services_list_says_a_pupil_left_it_and_not_its_own_actions(page, live, campaigns):
    _, client, supervisor = school_with_supervisor(live, "Sint-Jozef Torhout", "8820")
    last = f"Wouters {uuid.uuid4().hex[:4]}"
    request = enter_request(client, supervisor, first_name="Mila", last_name=last)
    mine = enter_request(
        client, supervisor, first_name="Jens", last_name=f"Maes {uuid.uuid4().hex[:4]}"
    )
    client.close()
    service = live.activated("service", "Thuishulp Torhout", "8820")
    other = live.activated("service", "Familiezorg Brugge", "8000")
    other_client = live.client_for(other["email"])
    other_client.post(f"/placement-requests/{request['id']}/invitations").raise_for_status()

    login(page, service["email"], role="service")
    row = page.locator(f"tr[data-id='{request['id']}']")
    row.wait_for()
    page.wait_for_timeout(1000)

    # Another service accepts Mila: she leaves this service's list, and that is said.
    other_client.post(
        f"/placement-requests/{request['id']}/acceptance", json=ACCEPTANCE
    ).raise_for_status()
    announced(page, f"Mila {last}: niet meer in deze lijst")
    row.wait_for(state="detached")

    # This service invites Jens itself: its message says so, the live region does not again.
    name = f"Jens {mine['last_name']}"
    page.locator(f"tr[data-id='{mine['id']}']").get_by_role(
        "button", name=f"Uitnodigen voor een gesprek {name}"
    ).click()
    page.get_by_role("status").filter(has_text=f"{name} is uitgenodigd").wait_for()
    page.wait_for_timeout(2000)
    assert not [line for line in lines(page) if line.startswith(name)], lines(page)
    other_client.close()


def test_the_import_check_is_announced(page, live, campaigns, tmp_path):
    school, client, supervisor = school_with_supervisor(live, "VTI Brugge", "8000")
    client.close()
    header = (
        "first_name;last_name;national_number;street;postcode;city;province;phone;email;"
        "transport_modes;remarks;supervisor_email;start_date;end_date;hours_per_week;days;form"
    )

    def line(first: str, number: str) -> str:
        return (
            f"{first};Maes;{number};Kerkstraat 1;8000;Brugge;;0470 12 34 56;"
            f"{first.lower()}@example.be;bike;;{supervisor['email']};;;20;mon, tue;block"
        )

    good = tmp_path / "goed.csv"
    good.write_text(
        "\n".join([header, line("Ada", national_number()), line("Bo", national_number())])
    )
    bad = tmp_path / "fout.csv"
    bad.write_text("\n".join([header, line("Cas", national_number()), line("Dirk", "12345678901")]))

    login(page, school["email"], role="school")
    page.goto("/school/requests/import")
    page.locator("#import-file").set_input_files(str(bad))
    page.get_by_role("button", name="Bestand nakijken").click()
    announced(page, "Het bestand is nagekeken: 2 rijen, 1 in orde, 1 met een probleem.")

    page.locator("#import-file").set_input_files(str(good))
    check = page.get_by_role("button", name="Bestand nakijken")
    check.focus()
    page.keyboard.press("Enter")
    announced(page, "Het bestand is nagekeken: alle 2 rijen zijn in orde.")
    # The check button stays, and kept the focus while the server checked.
    assert page.evaluate("() => document.activeElement.textContent") == "Bestand nakijken"

    # Importing takes its button away: the focus goes to the message.
    page.get_by_role("button", name="Inlezen (2 leerlingen)").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement !== document.body"
        " && document.activeElement.textContent.includes('2 leerlingen zijn ingelezen')"
    )

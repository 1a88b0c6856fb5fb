"""A care service states on its profile what fits it, then sorts the pupils by best fit and
reads each one's score and reasons in words; on a phone, as cards."""

import pytest

from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser


def test_the_fit_sort_with_its_reasons(page, new_page, live, campaigns):
    _, school_client, supervisor = school_with_supervisor(live, "Atheneum Oostende", "8400")
    fitting = enter_request(
        school_client,
        supervisor,
        first_name="Fien",
        last_name="Fietsers",
        days=["mon", "tue"],
        transport_modes=["bike"],
        hours_per_week=20,
    )
    poor = enter_request(
        school_client,
        supervisor,
        first_name="Karel",
        last_name="Autorijders",
        postcode="8000",
        city="Brugge",
        days=["thu", "fri"],
        transport_modes=["car"],
        hours_per_week=38,
    )
    service = live.activated("service", "Zorghuis De Duinen", "8400")

    login(page, service["email"], role="service")
    page.get_by_role("navigation").get_by_role("link", name="Profiel").click()
    page.get_by_role("heading", name="Wat past bij je dienst").wait_for()
    days = page.get_by_role("group", name="Dagen waarop je leerlingen kunt ontvangen")
    days.get_by_label("Maandag").check()
    days.get_by_label("Dinsdag").check()
    page.get_by_label("Minimum uren per week").fill("16")
    page.get_by_label("Maximum uren per week").fill("24")
    page.get_by_label("Maximale afstand tot je dienst (km)").fill("30")
    ways = page.get_by_role("group", name="Hoe een leerling naar je dienst kan komen")
    ways.get_by_label("Fiets", exact=True).check()
    ways.get_by_label("Openbaar vervoer").check()
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Je voorkeuren zijn bewaard.").wait_for()

    page.get_by_role("navigation").get_by_role("link", name="Leerlingen zoeken").click()
    page.get_by_role("button", name="Best passend").click()
    page.wait_for_url("**sort=fit**")
    best = page.get_by_role("row").filter(has_text="Fien Fietsers")
    best.locator(".fit-score").wait_for()  # the list sorted by fit has come
    text = best.inner_text()
    assert "100 op 100" in text
    assert "Maandag en dinsdag passen" in text
    assert "Komt met fiets, 0 km" in text
    assert "20 uur per week, zoals je wenst" in text
    worst = page.get_by_role("row").filter(has_text="Karel Autorijders").inner_text()
    assert "Geen van de dagen past (donderdag en vrijdag)" in worst
    assert "Kan niet komen zoals jij wenst" in worst
    names = page.locator("tbody td.card-title").all_inner_texts()
    assert names.index("Fien Fietsers") < names.index("Karel Autorijders")
    header = page.get_by_role("columnheader", name="Best passend")
    assert header.get_attribute("aria-sort") == "descending"
    assert fitting["id"] and poor["id"]

    # On a phone the list is cards, each with its score and reasons.
    phone = new_page(width=390, height=844)
    login(phone, service["email"], role="service")
    phone.goto("/service?sort=fit")
    card = phone.get_by_role("row").filter(has_text="Fien Fietsers")
    card.locator(".fit-score").wait_for()
    cell = card.locator('td[data-label="Best passend"]')
    assert "100 op 100" in cell.inner_text()
    assert "Maandag en dinsdag passen" in cell.inner_text()
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"  # a card's line

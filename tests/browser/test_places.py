"""Postcode and city agree (issue 15.5): the city is chosen among the postcode's places, a new
postcode never keeps the old city, the server refuses a city of another postcode."""

import pytest

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    login,
    national_number,
    request_body,
    school_with_supervisor,
)

pytestmark = pytest.mark.browser


def city_is(page, value: str) -> None:
    page.wait_for_function(f"() => document.getElementById('city').value === {value!r}")


def test_the_city_follows_the_postcode_and_the_server_refuses_another(page, live, campaigns):
    school, client, supervisor = school_with_supervisor(live, "VTI Brugge", "8000")
    login(page, school["email"], role="school")
    page.goto("/school/requests/new")
    page.get_by_role("heading", name="Nieuwe aanvraag").wait_for()
    page.get_by_label("Voornaam").fill("Lotte")
    page.get_by_label("Achternaam").fill("Peeters")
    page.get_by_label("Rijksregisternummer").fill(national_number())
    page.get_by_label("Straat en huisnummer").fill("Kerkstraat 1")

    # One place: the city is filled in, the province follows.
    page.get_by_label("Postcode").fill("1000")
    city_is(page, "Brussel")
    page.wait_for_function("() => document.getElementById('province').value === 'BE-BRU'")

    # Several places: Brussel is not one of them, so the city is emptied and chosen.
    city = page.get_by_label("Plaats")
    page.get_by_label("Postcode").fill("8310")
    city_is(page, "")
    assert city.locator("option").all_inner_texts() == ["Kies…", "Brugge", "Assebroek (Brugge)"]
    city.select_option(label="Assebroek (Brugge)")

    page.get_by_label("Telefoon").fill("0470 11 22 33")
    page.get_by_label("E-mailadres").fill("lotte@example.be")
    page.get_by_role("checkbox", name="Fiets", exact=True).check()
    page.get_by_label("Werkplekbegeleider").select_option(label="Els Wouters")
    page.get_by_label("Aantal uren per week").fill("24")
    page.get_by_label("maandag").check()
    page.get_by_label("Alternerend").check()
    page.get_by_role("button", name="Opslaan en sluiten").click()
    page.wait_for_url("**/school/requests")

    [saved] = client.get("/placement-requests", params={"q": "Lotte"}).json()["items"]
    assert (saved["postcode"], saved["city"], saved["province"]) == ("8310", "Assebroek", "BE-VWV")
    page.get_by_role("row").filter(has_text="Lotte").filter(has_text="Assebroek").wait_for()

    # The API answers a city of another postcode with the field and the code.
    refused = client.post(
        "/placement-requests", json=request_body(supervisor["id"], postcode="1000", city="Brugge")
    )
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("city", "city_mismatch")
    ]
    client.close()


def test_the_admins_organisation_form_fills_the_city(page, live):
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    page.get_by_role("link", name="Organisaties").click()
    page.get_by_role("button", name="Organisatie toevoegen").click()
    form = page.locator("form").filter(
        has=page.get_by_role("heading", name="Organisatie toevoegen")
    )
    form.get_by_label("Naam").fill("Hotelschool Gent")
    form.get_by_label("E-mailadres").fill("hotel@example.be")
    form.get_by_label("Postcode").fill("9000")
    city_is(page, "Gent")
    form.get_by_role("button", name="Aanmaken en uitnodigen").click()
    page.get_by_role("status").filter(has_text="Hotelschool Gent is aangemaakt").wait_for()
    [created] = live.admin().get("/organisations", params={"q": "hotel@"}).json()["items"]
    assert (created["postcode"], created["city"]) == ("9000", "Gent")

"""Lists keep their filters and sort in the address: a reload and the back button bring them
back; a column header sorts (the server sorts, aria-sort says by what). The audit log filters
by who, what and when, and folds a run of sign-ins into one line."""

import pytest

from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser


def names(page) -> list[str]:
    return page.locator("table tbody tr td:first-child a").all_inner_texts()


def test_the_overviews_filters_and_sort_survive_reload_and_back(page, live, campaigns):
    school, client, supervisor = school_with_supervisor(live, "Sint-Vincentius Ieper", "8900")
    for last, start in [
        ("Aerts", "2027-03-01"),
        ("Claes", "2027-01-15"),
        ("Bosmans", "2027-02-01"),
    ]:
        enter_request(
            client,
            supervisor,
            last_name=last,
            first_name="An",
            start_date=start,
            end_date="2027-06-30",
        )
    client.close()
    login(page, school["email"], role="school")
    page.goto("/school/requests")
    page.locator("tbody tr").nth(2).wait_for()
    assert names(page) == ["Aerts An", "Bosmans An", "Claes An"]
    name_header = page.get_by_role("columnheader", name="Naam")
    assert name_header.get_attribute("aria-sort") == "ascending"

    page.get_by_role("button", name="Periode").click()
    page.wait_for_url("**/school/requests?sort=start_date")
    page.wait_for_function("() => document.querySelector('tbody a')?.textContent === 'Claes An'")
    assert names(page) == ["Claes An", "Bosmans An", "Aerts An"]
    assert (
        page.get_by_role("columnheader", name="Periode").get_attribute("aria-sort") == "ascending"
    )
    assert name_header.get_attribute("aria-sort") is None

    page.get_by_role("button", name="Filters").click()  # folded until asked for
    page.get_by_label("Zoeken op naam, plaats of postcode").fill("bos")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    page.wait_for_url("**q=bos*")
    page.wait_for_function("() => document.querySelectorAll('tbody tr').length === 1")
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('tbody tr').length === 1")
    assert names(page) == ["Bosmans An"]
    assert page.get_by_label("Zoeken op naam, plaats of postcode").input_value() == "bos"

    page.go_back()
    page.wait_for_function("() => document.querySelectorAll('tbody tr').length === 3")
    assert names(page) == ["Claes An", "Bosmans An", "Aerts An"]
    assert page.get_by_label("Zoeken op naam, plaats of postcode").input_value() == ""
    page.go_back()
    page.wait_for_function("() => document.querySelector('tbody a')?.textContent === 'Aerts An'")
    assert name_header.get_attribute("aria-sort") == "ascending"


def test_a_service_browses_by_distance_and_keeps_its_filters(page, live, campaigns):
    school, client, supervisor = school_with_supervisor(live, "KTA Torhout", "8820")
    for last, postcode, city in [("Verre", "3500", "Hasselt"), ("Dichtbij", "8820", "Torhout")]:
        enter_request(client, supervisor, last_name=last, postcode=postcode, city=city)
    client.close()
    service = live.activated("service", "Zorg Torhout", "8820", provinces=["BE-VWV", "BE-VLI"])
    login(page, service["email"], role="service")
    page.get_by_role("columnheader", name="Afstand").wait_for()
    assert (
        page.get_by_role("columnheader", name="Afstand").get_attribute("aria-sort") == "ascending"
    )
    page.locator("tbody tr").first.wait_for()
    assert names(page)[0].endswith("Dichtbij")

    page.get_by_role("button", name="Filters").click()  # folded until asked for
    page.get_by_label("Maximale afstand (km)").fill("5")
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_url("**max_km=5*")
    page.wait_for_function("() => document.querySelectorAll('tbody tr').length === 1")
    page.get_by_role("button", name="Naam").click()
    page.wait_for_url("**sort=name*")
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('tbody tr').length === 1")
    assert page.get_by_label("Maximale afstand (km)").input_value() == "5"
    assert page.get_by_role("columnheader", name="Naam").get_attribute("aria-sort") == "ascending"
    page.go_back()
    page.wait_for_function(
        "() => document.querySelector('th[aria-sort]')?.textContent.includes('Afstand')"
    )
    assert page.get_by_label("Maximale afstand (km)").input_value() == "5"


def test_the_audit_log_filters_and_folds_sign_ins(page, live):
    school = live.activated("school", "Lyceum Aalst", "9300")
    for _ in range(3):
        live.client_for(school["email"]).close()
    login(page, *live_admin())
    page.goto("/admin/audit")
    page.get_by_role("button", name="Filters").click()  # folded until asked for
    page.get_by_label("Wie").select_option(label="Lyceum Aalst")
    page.get_by_label("Actie").select_option(label="Aangemeld")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    page.wait_for_url("**who=*")
    row = page.locator("tbody tr")
    row.first.filter(has_text="3 keer aangemeld").wait_for()
    assert row.count() == 1
    assert "Aangemeld (3×)" in row.first.inner_text()
    page.reload()
    row.first.filter(has_text="3 keer aangemeld").wait_for()
    assert page.get_by_label("Actie").input_value() == "login"


def live_admin():
    from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

    return ADMIN_EMAIL, ADMIN_PASSWORD, "admin"

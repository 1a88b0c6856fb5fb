"""Errors after the GOV.UK and Vlaanderen UI pattern (issue 19.3): a refused form shows a
titled summary at its top that takes focus, each error a link to its field; every message
names its field and sits above the input; a group of choices carries its error; the
server's refusals land in the same summary, at their field."""

import pytest

from tests.browser.conftest import (
    axe_violations,
    enter_request,
    login,
    national_number,
    school_with_supervisor,
)

pytestmark = pytest.mark.browser

FOCUSED_SUMMARY = (
    "() => document.activeElement && document.activeElement.classList.contains('error-summary')"
)


def open_new_request(page, live, name: str):
    school, client, supervisor = school_with_supervisor(live, name, "8000")
    login(page, school["email"], role="school")
    page.goto("/school/requests/new")
    page.get_by_role("heading", name="Nieuwe aanvraag").wait_for()
    return client, supervisor


def test_an_empty_request_lists_each_error_as_a_link_to_its_field(page, live, campaigns):
    client, _ = open_new_request(page, live, "Sint-Jozef Brugge")
    client.close()
    page.get_by_role("button", name="Opslaan en sluiten").click()

    summary = page.get_by_role("alert").filter(has_text="Er is een probleem")
    summary.wait_for()
    page.wait_for_function(FOCUSED_SUMMARY)
    assert summary.get_by_role("heading", name="Er is een probleem").is_visible()
    links = summary.get_by_role("link")
    texts = links.all_inner_texts()
    # One link per error on the page, in the order of the form, each naming its field.
    assert len(texts) == page.locator("form .field-error").count() >= 13
    assert texts[:3] == [
        "Vul de voornaam in.",
        "Vul de achternaam in.",
        "Vul het rijksregisternummer in.",
    ]
    assert "Vul de postcode in." in texts
    assert "Kies minstens één dag." in texts
    assert "Kies minstens één manier van vervoer." in texts
    assert "Vul dit in." not in texts

    # Each link moves focus to its field (a group: its first choice).
    for index in range(len(texts)):
        link = links.nth(index)
        target = link.get_attribute("href").removeprefix("#")
        link.click()
        page.wait_for_function(
            "id => { const at = document.getElementById(id), el = document.activeElement;"
            " return at === el || (at.tagName === 'FIELDSET' && at.contains(el)); }",
            arg=target,
        )

    # The message sits above its input and describes it; the input is marked invalid.
    postcode = page.locator("#postcode")
    assert page.locator("#postcode-error").inner_text() == "Vul de postcode in."
    assert postcode.get_attribute("aria-invalid") == "true"
    assert "postcode-error" in postcode.get_attribute("aria-describedby").split()
    assert page.evaluate(
        "() => !!(document.getElementById('postcode-error').compareDocumentPosition("
        "document.getElementById('postcode')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )

    # The days: a group with a legend that says it is required; the group carries the error
    # (under its legend) and each of its choices is marked invalid.
    days = page.get_by_role("group", name="Dagen op de werkplek (verplicht)")
    assert days.get_attribute("aria-describedby") == "days-error"
    assert page.locator("#days-error").inner_text() == "Kies minstens één dag."
    boxes = days.get_by_role("checkbox")
    assert boxes.count() == 7
    assert all(boxes.nth(i).get_attribute("aria-invalid") == "true" for i in range(boxes.count()))
    assert axe_violations(page) == []

    # In English the same errors have their English words.
    page.evaluate("localStorage.setItem('stagematch.language', 'en')")
    page.reload()
    page.get_by_role("heading", name="New request").wait_for()
    page.get_by_role("button", name="Save and close").click()
    english = page.get_by_role("alert").filter(has_text="There is a problem")
    english.wait_for()
    assert "Enter the postcode." in english.get_by_role("link").all_inner_texts()
    assert "Choose at least one day." in english.get_by_role("link").all_inner_texts()


def test_the_servers_refusal_is_in_the_summary_at_its_field(page, live, campaigns):
    """A pupil the school entered already: the server's answer (409 duplicate_request, at
    national_number) is a link in the summary to the national number, and said there."""
    client, supervisor = open_new_request(page, live, "Sint-Lodewijk Kortrijk")
    number = national_number()
    enter_request(client, supervisor, national_number=number, first_name="Jonas")
    client.close()

    page.get_by_label("Voornaam").fill("Jonas")
    page.get_by_label("Achternaam").fill("Declercq")
    page.get_by_label("Rijksregisternummer").fill(number)
    page.get_by_label("Straat en huisnummer").fill("Kerkstraat 1")
    page.get_by_label("Postcode").fill("1000")
    page.wait_for_function("() => document.getElementById('city').value === 'Brussel'")
    page.get_by_label("Telefoon").fill("0470 11 22 33")
    page.get_by_label("E-mailadres").fill("jonas@example.be")
    page.get_by_role("checkbox", name="Fiets", exact=True).check()
    page.get_by_label("Werkplekbegeleider").select_option(label="Els Wouters")
    page.get_by_label("Aantal uren per week").fill("24")
    page.get_by_label("maandag").check()
    page.get_by_label("Alternerend").check()
    page.get_by_role("button", name="Opslaan en sluiten").click()

    summary = page.get_by_role("alert").filter(has_text="Er is een probleem")
    summary.wait_for()
    page.wait_for_function(FOCUSED_SUMMARY)
    link = summary.get_by_role("link")
    words = "Je school heeft al een aanvraag met dit rijksregisternummer in dit schooljaar."
    assert link.all_inner_texts() == [words]
    assert link.get_attribute("href") == "#national_number"
    assert page.locator("#national_number-error").inner_text() == words
    link.click()
    page.wait_for_function("() => document.activeElement.id === 'national_number'")
    # The button is focusable again after the refusal, and was never disabled.
    button = page.get_by_role("button", name="Opslaan en sluiten")
    assert button.get_attribute("disabled") is None
    assert button.get_attribute("aria-disabled") is None
    assert axe_violations(page) == []

"""Every page's footer: the helpline from the server's settings (phone and e-mail as tel: and
mailto: links, the hours in the page's language) and the privacy and accessibility
statements, public pages whose text the admin edits without a code change."""

import re

import pytest

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    axe_violations,
    login,
    school_with_supervisor,
)

pytestmark = pytest.mark.browser
HOURS_NL = "werkdagen behalve woensdag, 9u30-12u en 13u-15u"
HOURS_EN = "working days except Wednesday, 9:30-12:00 and 13:00-15:00"


def _footer_says(page, hours: str) -> None:
    footer = page.get_by_role("contentinfo")
    footer.get_by_text(hours).wait_for()
    assert footer.get_by_role("link", name="02 250 37 77").get_attribute("href") == "tel:022503777"
    email = footer.get_by_role("link", name="stages@stagematch.be")
    assert email.get_attribute("href") == "mailto:stages@stagematch.be"


def test_the_footer_on_a_public_page_in_dutch_and_english(page, live):
    page.goto("/login")
    _footer_says(page, HOURS_NL)
    footer = page.get_by_role("contentinfo")
    assert footer.get_by_role("heading").inner_text() == "Hulplijn"
    footer.get_by_role("link", name="Toegankelijkheidsverklaring").click()
    page.wait_for_url("**/accessibility")
    page.get_by_role("heading", level=1, name="Toegankelijkheidsverklaring").wait_for()
    page.get_by_text("voldoet gedeeltelijk aan WCAG 2.1").wait_for()
    assert page.title() == "Toegankelijkheidsverklaring · Stagematch"

    page.get_by_role("button", name="English").click()
    _footer_says(page, HOURS_EN)
    assert footer.get_by_role("heading").inner_text() == "Helpline"
    page.get_by_role("heading", level=1, name="Accessibility statement").wait_for()
    page.get_by_text("partially conforms to WCAG 2.1").wait_for()
    footer.get_by_role("link", name="Privacy statement").click()
    page.wait_for_url("**/privacy")
    page.get_by_role("heading", level=1, name="Privacy statement").wait_for()
    assert page.title() == "Privacy statement · Stagematch"
    # The text's own links are the helpline's too.
    main = page.get_by_role("main")
    assert main.get_by_role("link", name="stages@stagematch.be").get_attribute("href") == (
        "mailto:stages@stagematch.be"
    )
    assert axe_violations(page) == []


def test_the_footer_on_a_school_page(page, live):
    school, _, _ = school_with_supervisor(live, "Sint-Jozef Footer", "8000")
    login(page, school["email"], role="school")
    _footer_says(page, HOURS_NL)
    page.get_by_role("button", name="English").click()
    _footer_says(page, HOURS_EN)
    page.get_by_role("button", name="Nederlands").click()
    _footer_says(page, HOURS_NL)
    page.get_by_role("contentinfo").get_by_role("link", name="Privacyverklaring").click()
    page.wait_for_url("**/privacy")
    page.get_by_role("heading", level=1, name="Privacyverklaring").wait_for()
    page.get_by_text("Wat we over een leerling bewaren").wait_for()


def test_the_privacy_page_shows_the_text_the_admin_wrote(page, new_page, live):
    page.goto("/login")
    page.locator("#email").fill(ADMIN_EMAIL)
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Teksten").click()
    page.get_by_role("heading", level=1, name="Teksten van de website").wait_for()
    body = page.get_by_label("Inhoud")
    body.wait_for()
    assert "## Wie we zijn" in body.input_value()
    try:
        body.fill("## Onze belofte\n\nWe bewaren niets langer dan {retention_months} maanden.")
        page.get_by_role("button", name="Opslaan").click()
        page.get_by_role("status").filter(has_text="De tekst is opgeslagen.").wait_for()
        assert axe_violations(page) == []

        # Anybody, signed in or not, reads the new text.
        reader = new_page()
        reader.goto("/privacy")
        reader.get_by_role("heading", level=2, name="Onze belofte").wait_for()
        reader.get_by_text("We bewaren niets langer dan 18 maanden.").wait_for()
        assert reader.get_by_text("Wie we zijn").count() == 0

        # A placeholder that does not exist is refused at the field.
        body.fill("Bel {directeur}.")
        page.get_by_role("button", name="Opslaan").click()
        page.get_by_text("De tekst gebruikt een invulveld dat niet bestaat").first.wait_for()
    finally:
        live.admin().delete("/admin/texts/privacy", params={"lang": "nl"}).raise_for_status()


def test_the_admin_sees_and_postpones_a_campaigns_erasure(page, live):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    created = live.admin().post(
        "/campaigns",
        json={
            "school_year": "2019-2020",
            "track": "stage",
            "opens_at": (now - timedelta(days=700)).isoformat(),
            "request_deadline": (now - timedelta(days=650)).isoformat(),
            "decision_deadline": (now - timedelta(days=600)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    page.goto("/login")
    page.locator("#email").fill(ADMIN_EMAIL)
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin")
    page.goto("/admin/campaigns")
    section = page.get_by_role("region", name="Bewaartermijn")
    row = section.get_by_role("row").filter(has_text="2019-2020")
    row.get_by_role("button", name=re.compile(r"^Wissen uitstellen: 2019-2020")).click()
    page.get_by_label("Nieuwe datum").fill(f"{now.year + 3}-06-30")
    page.get_by_label("Reden").fill("Klacht bij de toezichtcommissie loopt nog")
    page.get_by_role("button", name="Uitstellen", exact=True).last.click()
    page.get_by_role("status").filter(has_text="Het wissen is uitgesteld.").wait_for()
    row.get_by_text("Klacht bij de toezichtcommissie loopt nog").wait_for()
    assert row.get_by_role("button").count() == 0  # once only
    assert axe_violations(page) == []

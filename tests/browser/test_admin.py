"""The admin's organisations page: create a school with the keyboard-reachable form, which
mails the invitation; resend it; the page has no serious accessibility violation."""

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, axe_violations

pytestmark = pytest.mark.browser


def test_the_admin_creates_and_invites_a_school_in_the_browser(page, live):
    page.goto("/login")
    page.locator("#email").fill(ADMIN_EMAIL)
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin")
    page.get_by_role("link", name="Organisaties").click()
    page.get_by_role("button", name="Organisatie toevoegen").click()
    # A server-side refusal (a postcode that is no postcode) is stopped at its field first.
    page.get_by_label("Naam").first.fill("Hiemsch Instituut")
    page.get_by_label("E-mailadres").first.fill("hiemsch@example.be")
    page.get_by_label("Postcode").fill("12")
    page.get_by_role("button", name="Aanmaken en uitnodigen").click()
    assert page.locator("#postcode-error").inner_text() == "Een postcode heeft 4 cijfers."
    page.get_by_label("Postcode").fill("3000")
    page.get_by_role("button", name="Aanmaken en uitnodigen").click()
    page.get_by_role("status").filter(has_text="Hiemsch Instituut is aangemaakt").wait_for()
    live.mail_link("hiemsch@example.be", "/activate")
    row = page.get_by_role("row").filter(has_text="Hiemsch Instituut")
    assert "Uitgenodigd" in row.inner_text()
    assert axe_violations(page) == []
    row.get_by_role("button", name="Uitnodiging opnieuw sturen: Hiemsch Instituut").click()
    page.get_by_role("status").filter(has_text="nieuwe activatiemail").wait_for()
    live.wait_for_mails("hiemsch@example.be", 2)

"""Account pages in a real browser: activation from the mailed link, the resend-activation
dialog of the manual, errors shown at their field, password reset."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser
PASSWORD = "Een rustige zin van vandaag 7"


def activate(page, live, organisation) -> None:
    link = live.mail_link(organisation["email"], "/activate")
    page.goto(link)
    page.get_by_role("heading", name="Account activeren").wait_for()
    page.get_by_label("Nieuw wachtwoord").fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()


def test_an_invited_school_activates_from_the_mail_and_lands_signed_in(page, live):
    school = live.invite("school", "Sint-Jozef Brugge", "8000")
    link = live.mail_link(school["email"], "/activate")
    page.goto(link)
    page.get_by_role("heading", name="Account activeren").wait_for()
    assert axe_violations(page) == []
    password = page.get_by_label("Nieuw wachtwoord")
    # The rules show as the user types.
    password.fill("kort")
    assert "todo" in page.locator(".rules li").first.get_attribute("class")
    password.fill(PASSWORD)
    assert "ok" in page.locator(".rules li").first.get_attribute("class")
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.wait_for_url("**/school")
    page.get_by_role("heading", name="Welkom, Sint-Jozef Brugge").wait_for()
    # Signed in by the refresh cookie after a reload too; the token itself is in memory only.
    page.reload()
    page.get_by_role("heading", name="Welkom, Sint-Jozef Brugge").wait_for()
    assert page.evaluate("Object.keys(localStorage).every(k => !/token/i.test(k))")


def test_login_of_an_invited_account_offers_to_resend_the_activation_mail(page, live):
    school = live.invite("school", "Atheneum Gent", "9000")
    live.mail_link(school["email"], "/activate")
    before = live.mails_to(school["email"])
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(school["email"])
    page.locator("#password").fill("om het even wat")
    page.get_by_role("button", name="Aanmelden").click()
    dialog = page.get_by_role("dialog", name="Account nog niet geactiveerd")
    dialog.wait_for()
    assert school["email"] in dialog.inner_text()
    assert axe_violations(page) == []
    dialog.get_by_role("button", name="OK, stuur de activatiemail opnieuw").click()
    page.get_by_role("status").filter(has_text="nieuwe activatiemail").wait_for()
    live.wait_for_mails(school["email"], before + 1)
    # The new mail's link works; the resend replaced the first one.
    page.goto(live.mail_link(school["email"], "/activate"))
    page.get_by_role("heading", name="Account activeren").wait_for()


def test_errors_show_at_their_field_and_are_announced(page, live):
    page.goto("/login")
    page.get_by_role("button", name="Aanmelden").click()
    email = page.get_by_label("E-mailadres")
    assert email.get_attribute("aria-invalid") == "true"
    assert page.locator("#email-error").inner_text() == "Vul dit in."
    assert page.get_by_role("alert").inner_text().startswith("Niet alles is goed ingevuld")
    # Focus goes to the first wrong field, so keyboard users are where they need to be.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'email'")

    # A server-side field error (a guessable password) lands at its input too.
    school = live.invite("school", "VTI Oostende", "8400")
    page.goto(live.mail_link(school["email"], "/activate"))
    page.get_by_label("Nieuw wachtwoord").fill("aaaaaaaaaaaaaaaaaa")
    page.get_by_label("Herhaal het wachtwoord").fill("aaaaaaaaaaaaaaaaaa")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.locator("#password-error").wait_for()
    assert page.get_by_label("Nieuw wachtwoord").get_attribute("aria-invalid") == "true"
    assert "raden" in page.locator("#password-error").inner_text()


def test_wrong_password_and_a_reset_by_mail(page, live):
    school = live.invite("school", "KA Leuven", "3000")
    activate(page, live, school)
    page.wait_for_url("**/school")
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url("**/login")
    page.get_by_label("E-mailadres").fill(school["email"])
    page.locator("#password").fill("niet het goede wachtwoord")
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_role("alert").filter(has_text="passen niet bij elkaar").wait_for()

    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.get_by_label("E-mailadres").fill(school["email"])
    page.get_by_role("button", name="Stuur de link").click()
    page.get_by_role("status").filter(has_text="Kijk ook in je spam").wait_for()
    page.goto(live.mail_link(school["email"], "/reset-password"))
    page.get_by_label("Nieuw wachtwoord").fill("Een nieuwe zin voor morgen 8")
    page.get_by_label("Herhaal het wachtwoord").fill("Een nieuwe zin voor morgen 8")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.wait_for_url("**/school")


def test_a_protected_page_sends_to_login_and_back(page, live):
    school = live.invite("school", "Busleyden Mechelen", "2800")
    activate(page, live, school)
    page.wait_for_url("**/school")
    page.context.clear_cookies()
    page.goto("/school/supervisors")
    page.wait_for_url("**/login?next=%2Fschool%2Fsupervisors")
    page.get_by_label("E-mailadres").fill(school["email"])
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url("**/school/supervisors")

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
    # The rules show as the user types, as the server weighs them.
    password.fill("kort")
    page.locator(".rules li").first.and_(page.locator("[data-state=todo]")).wait_for()
    password.fill(PASSWORD)
    page.locator(".rules li[data-state=ok]").nth(2).wait_for()
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.wait_for_url("**/school")
    page.get_by_role("heading", name="Welkom, Sint-Jozef Brugge").wait_for()
    # Signed in by the refresh cookie after a reload too; the token itself is in memory only.
    page.reload()
    page.get_by_role("heading", name="Welkom, Sint-Jozef Brugge").wait_for()
    assert page.evaluate("Object.keys(localStorage).every(k => !/token/i.test(k))")


def rule(page, words: str):
    return page.locator(".rules li").filter(has_text=words)


def test_the_checklist_ticks_only_what_the_server_accepts(page, live):
    """A common password the old client list lacked: not ticked, and refused, both when the
    check answers and when it cannot (the server refuses it on saving)."""
    school = live.invite("school", "VTI Tielt", "8700")
    page.goto(live.mail_link(school["email"], "/activate"))
    password = page.get_by_label("Nieuw wachtwoord")
    password.fill("qwerty123456")
    rule(page, "Minstens 12 tekens").and_(page.locator("[data-state=ok]")).wait_for()
    assert rule(page, "Geen veelgebruikt wachtwoord").get_attribute("data-state") == "todo"
    page.get_by_label("Herhaal het wachtwoord").fill("qwerty123456")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.locator("#password-error").filter(has_text="voldoet nog niet").wait_for()
    # No answer from the check (offline): nothing is ticked, and the server still refuses.
    page.route("**/api/v1/auth/password-check", lambda route: route.abort())
    password.fill("wachtwoord-qwerty123456")
    password.fill("qwerty123456")
    page.wait_for_timeout(800)
    states = page.locator(".rules li").evaluate_all("items => items.map(i => i.dataset.state)")
    assert states == ["unknown", "unknown", "unknown"]
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.locator("#password-error").filter(has_text="meest gebruikte wachtwoorden").wait_for()
    assert "/activate" in page.url


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
    assert page.locator("#email-error").inner_text() == "Vul het e-mailadres in."
    summary = page.get_by_role("alert")
    assert summary.inner_text().startswith("Er is een probleem")
    # Focus goes to the summary (GOV.UK), whose links lead to each wrong field.
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    assert summary.get_by_role("link").all_inner_texts() == [
        "Vul het e-mailadres in.",
        "Vul je wachtwoord in.",
    ]
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
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
    # The server's 422 is in the summary too, linked to its field.
    link = page.get_by_role("alert").get_by_role("link")
    assert "raden" in link.inner_text() and link.get_attribute("href") == "#password"


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


def test_a_signed_out_page_asks_nothing_that_answers_401(page, live):
    """No session, no renewal call: the login page's console stays clean on every load,
    also after signing out."""
    problems: list[str] = []
    # A 404 is an answer (no campaign yet, when this test runs first), not a problem.
    page.on(
        "console",
        lambda m: m.type == "error" and "status of 404" not in m.text and problems.append(m.text),
    )
    page.on("response", lambda r: r.status == 401 and problems.append(r.url))
    page.goto("/login")
    page.get_by_role("heading", name="Aanmelden").wait_for()
    page.goto("/school/requests")
    page.wait_for_url("**/login?next=*")
    page.reload()
    page.get_by_role("heading", name="Aanmelden").wait_for()
    assert problems == []
    school = live.activated("school", "Sint-Lodewijk Brugge", "8000")
    page.goto("/login")
    page.locator("#email").fill(school["email"])
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url("**/school")
    page.reload()
    page.get_by_role("heading", name="Welkom, Sint-Lodewijk Brugge").wait_for()
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url("**/login")
    page.reload()
    page.get_by_role("heading", name="Aanmelden").wait_for()
    page.wait_for_timeout(300)
    assert problems == []

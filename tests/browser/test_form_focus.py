"""Focus around a form's send (issue 19.1): while it is sent its button stays focusable
(aria-disabled, never disabled) and a second press does nothing; after a server error focus
is on the error summary and the button works again; after success focus is on the result
(its message), never dropped to <body>."""

import json

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, login

pytestmark = pytest.mark.browser

FOCUSED_SUMMARY = (
    "() => document.activeElement && document.activeElement.classList.contains('error-summary')"
)


def focused_message(words: str) -> str:
    """JavaScript: the focused element is a success message saying `words`."""
    return (
        "() => { const el = document.activeElement;"
        f" return !!el && el.matches('.alert-success') && el.textContent.includes({words!r}); }}"
    )


def problem(status: int, code: str) -> dict:
    return {
        "status": status,
        "content_type": "application/problem+json",
        "body": json.dumps({"type": "about:blank", "title": code, "status": status, "code": code}),
    }


def test_forgot_password_busy_then_a_server_error_then_the_sent_message(page, live):
    pending = []
    page.route("**/api/v1/auth/password/forgot", lambda route: pending.append(route))
    page.goto("/forgot")
    page.get_by_label("E-mailadres").fill("wie@example.be")
    button = page.get_by_role("button", name="Stuur de link")
    button.click()

    # Busy: the button says so but keeps focus, and is not disabled.
    page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-disabled') === 'true'"
        " && document.activeElement.textContent.trim() === 'Stuur de link'"
    )
    assert button.get_attribute("disabled") is None
    # A second press while the first is under way sends nothing.
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert len(pending) == 1

    pending[0].fulfill(**problem(503, "service_unavailable"))
    page.wait_for_function(FOCUSED_SUMMARY)
    summary = page.get_by_role("alert")
    assert summary.inner_text().startswith("Er is een probleem")
    assert "Stagematch is even niet bereikbaar" in summary.inner_text()
    assert button.get_attribute("aria-disabled") is None
    assert button.get_attribute("disabled") is None
    button.focus()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Stuur de link"

    # Sent: focus is on the message that says what happens now.
    page.unroute("**/api/v1/auth/password/forgot")
    page.keyboard.press("Enter")
    page.wait_for_function(focused_message("Kijk ook in je spam"))
    assert page.get_by_role("alert").count() == 0


def test_creating_an_organisation_after_a_server_error_focuses_its_message(page, live):
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    page.get_by_role("link", name="Organisaties").click()
    page.get_by_role("button", name="Organisatie toevoegen").click()
    page.get_by_label("Naam").first.fill("Sint-Victor Turnhout")
    page.get_by_label("E-mailadres").first.fill("sint-victor@example.be")
    page.get_by_label("Postcode").fill("2300")
    page.wait_for_function("() => document.getElementById('city').value === 'Turnhout'")

    def fail_once(route):
        if route.request.method == "POST":
            route.fulfill(**problem(500, "internal_error"))
        else:
            route.continue_()

    page.route("**/api/v1/organisations", fail_once)
    button = page.get_by_role("button", name="Aanmaken en uitnodigen")
    button.click()
    page.wait_for_function(FOCUSED_SUMMARY)
    assert "Er ging iets mis bij de server" in page.get_by_role("alert").inner_text()
    assert button.get_attribute("disabled") is None
    assert button.get_attribute("aria-disabled") is None

    # Created: the form is gone, focus is on the message naming the organisation.
    page.unroute("**/api/v1/organisations")
    button.click()
    page.wait_for_function(focused_message("Sint-Victor Turnhout is aangemaakt"))
    assert page.get_by_role("form", name="Organisatie toevoegen").count() == 0


def test_a_saved_supervisor_focuses_the_message_where_the_form_was(page, live):
    school = live.activated("school", "Sint-Rembert Torhout", "8820")
    login(page, school["email"], role="school")
    page.goto("/school/supervisors")
    page.get_by_role("button", name="Werkplekbegeleider toevoegen").click()
    form = page.get_by_role("form", name="Werkplekbegeleider toevoegen")
    form.get_by_label("Voornaam").fill("Bart")
    form.get_by_label("Achternaam").fill("Desmet")
    form.get_by_label("Telefoon").fill("050 22 33 44")
    form.get_by_label("E-mailadres").fill("bart.desmet@example.be")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_function(focused_message("Bart Desmet"))
    assert form.count() == 0

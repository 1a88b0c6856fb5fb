"""The client starts in a real Chromium and says which browsers work when it cannot."""

import pytest

pytestmark = pytest.mark.browser


def test_chromium_launches_and_the_login_page_loads(page, live):
    page.goto("/")
    page.wait_for_url("**/login")
    assert page.get_by_role("heading", name="Aanmelden").is_visible()
    assert page.title() == "Aanmelden · Stagematch"
    assert page.locator("html").get_attribute("lang") == "nl"
    # The helpline of the manual is named on the login page, with "wachtwoord vergeten".
    assert page.get_by_text("Hulp nodig?").is_visible()
    assert page.get_by_role("link", name="Wachtwoord vergeten?").is_visible()


def test_a_browser_without_import_maps_gets_the_plain_notice(page, live):
    page.add_init_script("HTMLScriptElement.supports = () => false")
    page.goto("/login")
    notice = page.locator(".old-browser")
    notice.wait_for()
    assert "Gebruik Edge, Chrome, Firefox of Safari" in notice.inner_text()


def test_the_language_switch_is_remembered(page, live):
    page.goto("/login")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.reload()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"

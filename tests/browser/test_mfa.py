"""Two-step sign-in in the browser: an admin turns it on from the account page (the key
typed over, grouped in fours; no QR code) and signs in again with the authenticator's code."""

import subprocess
import time
import uuid

import pyotp
import pytest

from tests.browser.conftest import PASSWORD, STAGEMATCH, axe_violations, login

pytestmark = pytest.mark.browser


def test_an_admin_enrols_on_the_account_page_and_signs_in_with_a_code(page, live):
    email = f"beheer-{uuid.uuid4().hex[:8]}@stagematch.test"
    subprocess.run(  # noqa: S603 (our own command)
        [STAGEMATCH, "create-admin", "--email", email, "--password", PASSWORD],
        env=live.env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    login(page, email, PASSWORD, "admin")
    page.goto("/account")
    page.get_by_role("button", name="Aanmelden in twee stappen aanzetten").click()
    shown = page.locator("#mfa-key").inner_text()
    assert [len(group) for group in shown.split()] == [4] * 8
    key = shown.replace(" ", "")
    assert f"secret={key}" in page.locator("#mfa-uri").text_content()
    assert axe_violations(page) == []

    page.get_by_label("Verificatiecode").fill("000000")
    page.get_by_role("button", name="Bevestigen").click()
    assert page.locator("#code-error").inner_text() == "De verificatiecode klopt niet."
    page.get_by_label("Verificatiecode").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Bevestigen").click()
    page.get_by_role("status").filter(has_text="Aanmelden in twee stappen staat aan.").wait_for()
    page.get_by_role("form", name="Uitzetten").wait_for()

    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url("**/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    code = page.get_by_label("Verificatiecode")
    code.wait_for()
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert code.get_attribute("inputmode") == "numeric"
    assert page.evaluate("document.activeElement.id") == "code"
    # The confirming code is used up: the next step's (inside the one-step drift window).
    code.fill(pyotp.TOTP(key).at(time.time(), counter_offset=1))
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url("**/admin")

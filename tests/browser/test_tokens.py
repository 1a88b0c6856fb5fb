"""API tokens for scripts: from the account page, a school makes a read-only token (its
secret shown once, with a copy button), the token works; revoking it asks first and stops it."""

import httpx
import pytest

from tests.browser.conftest import login, school_with_supervisor

pytestmark = pytest.mark.browser


def test_a_school_creates_uses_and_revokes_an_api_token(page, live, campaigns):
    school, client, _ = school_with_supervisor(live, "Sint-Lodewijk Brugge", "8000")
    client.close()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, school["email"], role="school")
    page.get_by_role("link", name="Sint-Lodewijk Brugge").click()
    page.get_by_role("link", name="Sleutels beheren").click()
    page.get_by_role("heading", name="Sleutels voor scripts").wait_for()
    page.get_by_text("Er zijn nog geen sleutels.").wait_for()

    # A name is needed, and an expiry lies in the future: both said at their field.
    page.get_by_label("Geldig tot en met").fill("2020-01-01")
    page.get_by_role("button", name="Sleutel maken").click()
    assert page.locator("#name-error").inner_text() == "Vul de naam in."
    assert page.locator("#expires-error").inner_text() == "Kies een dag na vandaag."
    # The summary takes focus; its first link leads to the first wrong field.
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    page.get_by_role("link", name="Vul de naam in.").click()
    page.wait_for_function("() => document.activeElement.id === 'name'")
    page.get_by_label("Geldig tot en met").fill("")
    page.get_by_label("Naam").fill("Leerlingenadministratie")
    assert page.get_by_label("Alleen lezen (aangeraden)").is_checked()
    page.get_by_role("button", name="Sleutel maken").click()

    # The secret, once, with a plain warning and a copy button.
    page.get_by_role("heading", name="Je nieuwe sleutel: Leerlingenadministratie").wait_for()
    page.get_by_text("Je ziet hem hierna niet meer").wait_for()
    secret = page.get_by_label("Sleutel", exact=True).input_value()
    assert secret.startswith("smt_")
    page.get_by_role("button", name="Kopiëren").click()
    page.get_by_text("De sleutel is gekopieerd.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    row = page.get_by_role("row").filter(has_text="Leerlingenadministratie")
    assert "Alleen lezen" in row.inner_text() and "Tot intrekken" in row.inner_text()
    assert "Nog niet" in row.inner_text()

    with httpx.Client(base_url=f"{live.url}/api/v1") as script:
        auth = {"Authorization": f"Bearer {secret}"}
        assert script.get("/supervisors", headers=auth).status_code == 200
        refused = script.post("/supervisors", headers=auth, json={})
        assert refused.json()["code"] == "read_only_token"

        # Gone from the page once stored; revoking asks first, Escape keeps it.
        page.get_by_role("button", name="Ik heb hem bewaard").click()
        assert page.get_by_label("Sleutel", exact=True).count() == 0
        page.get_by_role("button", name="Sleutel Leerlingenadministratie intrekken").click()
        dialog = page.get_by_role("dialog", name="Sleutel Leerlingenadministratie intrekken?")
        dialog.wait_for()
        page.keyboard.press("Escape")
        assert script.get("/supervisors", headers=auth).status_code == 200
        page.get_by_role("button", name="Sleutel Leerlingenadministratie intrekken").click()
        dialog.get_by_role("button", name="Intrekken").click()
        page.get_by_role("status").filter(has_text="is ingetrokken").wait_for()
        page.get_by_text("Er zijn nog geen sleutels.").wait_for()
        assert script.get("/supervisors", headers=auth).status_code == 401

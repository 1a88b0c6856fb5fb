"""The main flows with the keyboard alone (Tab, Shift+Tab, typing, Space, arrows, Enter): no
mouse click anywhere. Signing in, entering a pupil, accepting a pupil in the dialog."""

import pytest

from tests.browser.conftest import (
    PASSWORD,
    enter_request,
    national_number,
    school_with_supervisor,
)

pytestmark = pytest.mark.browser


def tab_until(page, condition: str, limit: int = 80, key: str = "Tab") -> None:
    """Presses Tab (or `key`) until `condition` (JavaScript about `el`, the focused element)
    holds."""
    for _ in range(limit):
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!({condition}); }})()"
        ):
            return
        page.keyboard.press(key)
    raise AssertionError(f"Tab never reached an element where {condition}")


def text_is(words: str) -> str:
    return f"el && el.textContent.trim() === {words!r}"


def sign_in_with_keys(page, email: str) -> None:
    page.goto("/login")
    tab_until(page, "el.id === 'email'")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def test_the_skip_link_comes_first(page, live):
    page.goto("/login")
    page.get_by_role("heading", name="Aanmelden").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_sign_in_and_enter_a_pupil_with_the_keyboard(page, live, campaigns):
    school, client, supervisor = school_with_supervisor(live, "Technisch Atheneum Ieper", "8900")
    client.close()
    sign_in_with_keys(page, school["email"])
    page.wait_for_url("**/school")
    # The home view loads after the sign-in, and its heading takes the focus (screen readers
    # announce where the user landed); the menu is behind it.
    page.wait_for_function(
        "() => document.activeElement.tagName === 'H1'"
        " && document.activeElement.textContent === 'Welkom, Technisch Atheneum Ieper'"
    )
    tab_until(page, text_is("Nieuwe aanvraag") + " && el.closest('nav')", key="Shift+Tab")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Nieuwe aanvraag").wait_for()

    tab_until(page, "el.id === 'first_name'")
    for value in ["Wout", "Lambrecht", national_number(), "Meenseweg 4", "8900"]:
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    # 8900 has two places (Ieper and its part Brielen): the city is chosen by typing its name
    # on the select; the province follows the postcode.
    page.wait_for_function("() => document.getElementById('city').options.length === 3")
    assert page.evaluate("document.activeElement.id") == "city"
    page.keyboard.type("Ieper")
    page.wait_for_function("() => document.getElementById('city').value === 'Ieper'")
    page.keyboard.press("Tab")  # province, filled in
    assert page.evaluate("document.activeElement.value") == "BE-VWV"
    page.keyboard.press("Tab")
    page.keyboard.type("0470 99 88 77")
    page.keyboard.press("Tab")
    page.keyboard.type("wout@example.be")
    tab_until(page, "el.name === 'transport_modes' && el.value === 'public_transport'")
    page.keyboard.press("Space")
    tab_until(page, "el.id === 'supervisor_id'")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == supervisor["id"]
    page.keyboard.press("Tab")
    page.keyboard.type("16")
    tab_until(page, "el.name === 'days' && el.value === 'wed'")
    page.keyboard.press("Space")
    tab_until(page, "el.name === 'form'")
    page.keyboard.press("Space")  # the first choice: block
    tab_until(page, text_is("Opslaan en sluiten"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/school/requests")
    page.get_by_role("row").filter(has_text="Lambrecht Wout").wait_for()


def test_a_refused_form_sends_focus_to_its_summary_and_on_to_the_first_wrong_field(
    page, live, campaigns
):
    school, client, _ = school_with_supervisor(live, "Sint-Lodewijk Brugge", "8200")
    client.close()
    sign_in_with_keys(page, school["email"])
    page.wait_for_url("**/school")
    page.goto("/school/requests/new")
    page.get_by_role("heading", name="Nieuwe aanvraag").wait_for()
    tab_until(page, "el.id === 'first_name'")
    page.keyboard.type("Jana")
    tab_until(page, text_is("Opslaan en sluiten"))
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="Er is een probleem").wait_for()
    # Focus moves once the errors are drawn; on a busy machine that is a frame later.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.classList.contains('error-summary')"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Vul de achternaam in."
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'last_name'"
    )


def test_accept_in_the_dialog_with_the_keyboard(page, live, campaigns):
    _, client, supervisor = school_with_supervisor(live, "Heilige Familie Oostende", "8400")
    request = enter_request(client, supervisor, first_name="Ella", last_name="Dewulf")
    client.close()
    service = live.activated("service", "Thuishulp Middelkerke", "8430")
    service_client = live.client_for(service["email"])
    service_client.post(f"/placement-requests/{request['id']}/invitations").raise_for_status()
    service_client.close()

    sign_in_with_keys(page, service["email"])
    page.wait_for_url("**/service")
    page.goto(f"/service/requests/{request['id']}")
    page.get_by_role("heading", name="Ella Dewulf").wait_for()
    tab_until(page, text_is("Aanvaarden"))
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Ella Dewulf aanvaarden")
    dialog.wait_for()
    # The dialog takes the focus, on its first field.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'notes'")
    page.keyboard.type("Welkom op maandag om 9 uur.")
    for value in ["Sofie Maes", "059 30 40 50", "sofie@example.be"]:
        page.keyboard.press("Tab")
        page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Ella Dewulf is aanvaard").wait_for()
    assert dialog.count() == 0
    page.get_by_text("Aanvaard door jouw dienst").first.wait_for()
    # Escape closes a dialog, and the focus returns to the button that opened it.
    tab_until(page, text_is("Aanvaarding ongedaan maken"))
    page.keyboard.press("Enter")
    page.get_by_role("dialog", name="Aanvaarding ongedaan maken").wait_for()
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached")
    # The focus returns in the dialog's cleanup, a moment after it left the page.
    page.wait_for_function(
        "() => document.activeElement.textContent.trim() === 'Aanvaarding ongedaan maken'"
    )

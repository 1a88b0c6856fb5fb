"""Focus is never lost (WCAG 2.4.3): after an action that takes away the control that had the
focus, the focus is on the action's result (its message) or the page's heading, never on
<body>; a dialog closed with Escape returns it to its opener or, when that is gone, to the
heading. A service reaches its first pupil in a few Tab stops (the filters are folded), and an
address the client does not know is a page of its own (title, focus on its heading)."""

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    enter_request,
    login,
    school_with_supervisor,
)

pytestmark = pytest.mark.browser

# The focused element and its words, or null while the focus is on <body> (lost).
FOCUSED = """() => {
  const el = document.activeElement;
  return el && el !== document.body ? {tag: el.tagName, text: el.textContent.trim()} : null;
}"""


def focus_lands_on(page, words: str) -> dict:
    """Waits until the focus is on an element (not <body>) whose text holds `words`."""
    page.wait_for_function(
        """(words) => {
          const el = document.activeElement;
          return !!el && el !== document.body && el.textContent.includes(words);
        }""",
        arg=words,
    )
    return page.evaluate(FOCUSED)


def press(page, button) -> None:
    """Focuses `button` and presses Enter on it, as a keyboard user does."""
    button.focus()
    page.keyboard.press("Enter")


def a_pupil_and_a_service(live, school: str, service: str, first: str, last: str):
    _, client, supervisor = school_with_supervisor(live, school, "8500")
    request = enter_request(client, supervisor, first_name=first, last_name=last)
    client.close()
    return request, live.activated("service", service, "8500")


def test_inviting_and_withdrawing_in_the_list_focus_the_message(page, live, campaigns):
    request, service = a_pupil_and_a_service(
        live, "VTI Kortrijk", "Thuiszorg Leie", "Ruben", f"Desmet {uuid.uuid4().hex[:4]}"
    )
    name = f"Ruben {request['last_name']}"
    login(page, service["email"], role="service")
    row = page.locator(f"tr[data-id='{request['id']}']")
    press(page, row.get_by_role("button", name=f"Uitnodigen voor een gesprek {name}"))
    focused = focus_lands_on(page, f"{name} is uitgenodigd")
    assert focused["tag"] != "BODY"
    # The button that had the focus is gone (the row offers withdrawing now).
    row.get_by_role("button", name=f"Uitnodiging intrekken {name}").wait_for()
    expect(row.get_by_role("button", name=f"Uitnodigen voor een gesprek {name}")).to_have_count(0)

    press(page, row.get_by_role("button", name=f"Uitnodiging intrekken {name}"))
    focus_lands_on(page, f"Je uitnodiging van {name} is ingetrokken")


# Frames come late, as in a browser on a loaded machine: requestAnimationFrame and the short
# timers that stand in for a frame (Preact's fallback) wait 300 ms. The request's reload is
# then answered before the dialog's leaving is painted.
LATE_FRAMES = """(() => {
  const later = window.setTimeout.bind(window);
  const frame = window.requestAnimationFrame.bind(window);
  const waiting = new Map();
  let next = 1;
  window.requestAnimationFrame = (callback) => {
    const id = next++;
    waiting.set(id, later(() => waiting.delete(id) && frame(callback), 300));
    return id;
  };
  window.cancelAnimationFrame = (id) => {
    clearTimeout(waiting.get(id));
    waiting.delete(id);
  };
  window.setTimeout = (callback, ms, ...args) =>
    later(callback, ms > 0 && ms < 100 ? 300 : ms, ...args);
})();"""


def focus_stays_on(page, words: str) -> None:
    """After the next frame (when what the last render left behind has been cleaned up), the
    focus is still on the element whose text holds `words`."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")
    focused = page.evaluate(FOCUSED)
    assert focused is not None and words in focused["text"], focused


def test_accepting_and_releasing_in_the_dialog_focus_the_message(page, live, campaigns):
    accept_and_release(page, live, "Sint-Amandus Kortrijk", "Familiehulp Kortrijk")


def test_the_focus_stays_on_the_message_when_the_page_draws_late(page, live, campaigns):
    page.context.add_init_script(LATE_FRAMES)
    accept_and_release(page, live, "Sint-Jozef Kortrijk", "Familiezorg Kortrijk", settle=True)


def accept_and_release(page, live, school: str, service_name: str, settle: bool = False):
    """A service accepts Lina Vermeulen and releases her, both through their dialog; with
    `settle`, the focus must also stay on each message once the page has settled."""
    request, service = a_pupil_and_a_service(live, school, service_name, "Lina", "Vermeulen")
    client = live.client_for(service["email"])
    client.post(f"/placement-requests/{request['id']}/invitations").raise_for_status()
    client.close()
    login(page, service["email"], role="service")
    page.goto(f"/service/requests/{request['id']}")
    press(page, page.get_by_role("button", name="Aanvaarden"))
    dialog = page.get_by_role("dialog", name="Lina Vermeulen aanvaarden")
    dialog.get_by_label("Notities voor de school").fill("Welkom op maandag.")
    dialog.get_by_label("Naam contactpersoon").fill("Sofie Maes")
    dialog.get_by_label("Telefoon contactpersoon").fill("056 30 40 50")
    dialog.get_by_label("E-mail contactpersoon").fill("sofie@example.be")
    press(page, dialog.get_by_role("button", name="Aanvaarden"))
    # The accept button (the dialog's opener) is gone: the focus is on the message.
    focus_lands_on(page, "Lina Vermeulen is aanvaard")
    # (the dialog, with its own "Aanvaarden", may take a moment to close)
    expect(page.get_by_role("button", name="Aanvaarden")).to_have_count(0)
    if settle:
        focus_stays_on(page, "Lina Vermeulen is aanvaard")

    press(page, page.get_by_role("button", name="Aanvaarding ongedaan maken"))
    dialog = page.get_by_role("dialog", name="Aanvaarding ongedaan maken")
    dialog.get_by_label("Reden").fill("Geen begeleider vrij.")
    press(page, dialog.get_by_role("button", name="Ongedaan maken"))
    focus_lands_on(page, "De aanvaarding van Lina Vermeulen is ongedaan gemaakt")
    if settle:
        expect(page.get_by_role("button", name="Aanvaarding ongedaan maken")).to_have_count(0)
        focus_stays_on(page, "De aanvaarding van Lina Vermeulen is ongedaan gemaakt")


def test_a_reveal_focuses_its_message(page, live, campaigns):
    _, client, supervisor = school_with_supervisor(live, "Guldensporencollege", "8500")
    request = enter_request(client, supervisor, first_name="Noor", last_name="Lambert")
    client.close()
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
    page.goto(f"/admin/requests/{request['id']}")
    reveal = page.get_by_role("button", name="Rijksregisternummer, telefoon en e-mail tonen")
    press(page, reveal)
    dialog = page.get_by_role("dialog", name="Persoonsgegevens tonen")
    dialog.get_by_label("Reden").fill("Vraag van de school over een tikfout.")
    press(page, dialog.get_by_role("button", name="Tonen"))
    # The reveal button is disabled now; the focus is on what the reveal says.
    focus_lands_on(page, "Het logboek houdt bij")
    assert reveal.is_disabled()


def test_escape_on_the_not_activated_dialog_keeps_the_focus_in_the_page(page, live):
    school = live.invite("school", "Sint-Vincentius Ieper", "8900")
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(school["email"])
    page.get_by_label("Wachtwoord").fill("om het even wat")
    # Sent with the button: while the form is busy the button cannot keep the focus, so the
    # dialog has no opener to return to; Escape sends the focus to the page's heading (or
    # the button, where a busy button keeps its focus), never to <body>.
    press(page, page.get_by_role("button", name="Aanmelden"))
    page.get_by_role("dialog", name="Account nog niet geactiveerd").wait_for()
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached")
    page.wait_for_function("() => document.activeElement !== document.body")
    focused = page.evaluate(FOCUSED)
    assert focused is not None
    assert focused["text"] == "Aanmelden" and focused["tag"] in ("H1", "BUTTON"), focused

    # Sent with Enter in the password field: Escape returns to that field.
    page.get_by_label("Wachtwoord").press("Enter")
    page.get_by_role("dialog", name="Account nog niet geactiveerd").wait_for()
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached")
    page.wait_for_function("() => document.activeElement.id === 'password'")


def test_a_service_reaches_its_first_pupil_in_a_few_tab_stops(page, live, campaigns):
    _, client, supervisor = school_with_supervisor(live, "Spes Nostra Heule", "8501")
    for first in ("Ada", "Bo"):
        request = enter_request(
            client, supervisor, first_name=first, postcode="8500", city="Kortrijk"
        )
    client.close()
    service = live.activated("service", "Gezinszorg Heule", "8501")
    service_client = live.client_for(service["email"])
    # A pupil waiting for the service's answer: the page then links to that list too.
    service_client.post(f"/placement-requests/{request['id']}/invitations").raise_for_status()
    service_client.close()
    login(page, service["email"], role="service")
    page.goto("/service")
    first = page.locator("tbody tr").first.get_by_role("link")
    first.wait_for()
    # The filters are folded, and say how many are set.
    toggle = page.get_by_role("button", name="Filters")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("form.filters").is_visible()

    # From the top of the page: Tab to "Naar de resultaten" (the second stop, after "Naar de
    # inhoud"), Enter, then Tab until the first pupil's link has the focus.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    presses = 0
    while page.evaluate("() => document.activeElement.textContent") != "Naar de resultaten":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 3, "the skip link to the results is not among the first stops"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "results"
    while not first.evaluate("link => link === document.activeElement"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 12, "more than 12 Tab stops before the first pupil"
    print(f"Tab stops to the first pupil through the skip link: {presses}")

    # Without the skip link, Tab alone passes the header and the folded filters' one button,
    # not forty filter fields.
    page.goto("/service")
    first.wait_for()
    stops = 0
    while not first.evaluate("link => link === document.activeElement"):
        page.keyboard.press("Tab")
        stops += 1
        assert stops <= 20, "more than 20 Tab stops before the first pupil"
    print(f"Tab stops to the first pupil with Tab alone: {stops}")

    # Opened, the filters come before the list (and the count on the button says what is set).
    toggle.click()
    expect(page.locator("form.filters")).to_be_visible()
    page.get_by_label("Maximale afstand (km)").fill("20")
    page.get_by_role("button", name="Toepassen").click()
    page.get_by_role("button", name="Filters (1)").wait_for()


def test_an_unknown_address_in_the_app_is_a_page_of_its_own(page, live, campaigns):
    _, client, supervisor = school_with_supervisor(live, "Immaculata Oostende", "8400")
    client.close()
    service = live.activated("service", "Thuishulp Oostende", "8400")
    login(page, service["email"], role="service")
    page.get_by_role("heading", name="Leerlingen zoeken").wait_for()
    title = page.title()

    def go(path: str) -> None:
        # A link inside the app: the router draws the page, no page load.
        page.evaluate(
            """(path) => {
              const link = document.createElement('a');
              link.href = path;
              link.textContent = 'ergens';
              document.querySelector('main').append(link);
              link.click();
            }""",
            arg=path,
        )

    go("/service/bestaat-niet")
    page.get_by_role("heading", name="Deze pagina bestaat niet").wait_for()
    page.wait_for_function("() => document.title === 'Deze pagina bestaat niet · Stagematch'")
    assert page.title() != title
    focus_lands_on(page, "Deze pagina bestaat niet")
    assert page.evaluate(FOCUSED)["tag"] == "H1"

    # A pupil the server does not know (404) gets the same title and focus.
    go("/service")
    page.wait_for_function("() => document.title.startsWith('Leerlingen zoeken')")
    go(f"/service/requests/{uuid.uuid4()}")
    page.wait_for_function("() => document.title === 'Deze pagina bestaat niet · Stagematch'")
    focus_lands_on(page, "Deze pagina bestaat niet")
    assert page.evaluate(FOCUSED)["tag"] == "H1"

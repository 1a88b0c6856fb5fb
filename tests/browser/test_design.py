"""Low vision (issue 19): the page follows the reader's own default font size (200 %: the
text doubles and nothing scrolls sideways), survives WCAG's text spacing without headers
running into each other, folds its navigation into a menu on a narrow screen (and at 400 %
zoom the header leaves the screen to the page), and its tables become labelled cards on a
phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fresh_page, login
from tests.browser.pages import PAGES, READY, build_world, show

pytestmark = pytest.mark.browser

# WCAG 1.4.12's text spacing, as the bookmarklet sets it. Added through the CSSOM (an inline
# <style> is refused by the app's Content-Security-Policy, and rightly so).
TEXT_SPACING = [
    "* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
    " word-spacing: 0.16em !important; }",
    "p { margin-bottom: 2em !important; }",
]
# Every header cell's content: where it is drawn (it may overflow its cell) and where its cell is.
HEADER_BOXES = """() => [...document.querySelectorAll('table thead th')].map((th) => {
  const range = document.createRange();
  range.selectNodeContents(th);
  const content = range.getBoundingClientRect();
  const cell = th.getBoundingClientRect();
  return {text: th.textContent.trim(), left: content.left, right: content.right, top: content.top,
          bottom: content.bottom, cellLeft: cell.left, cellRight: cell.right};
})"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def world(live):
    return build_world(live)


def signed_in_page(browser, live, world, role: str, width: int, height: int = 900):
    errors: list[str] = []
    page = fresh_page(browser, live, errors, width, height)
    login(page, *world.logins[role], role=role)
    page.wait_for_function(READY)
    return page, errors


def font_sizes(page) -> dict[str, float]:
    return page.evaluate(
        """() => {
          const size = (element) => parseFloat(getComputedStyle(element).fontSize);
          const cell = document.querySelector('td[data-label]') || document.body;
          const h1 = document.querySelector('main h1');
          return {h1: size(h1), body: size(document.body), table: size(cell)};
        }"""
    )


@pytest.mark.parametrize("path", ["/school", "/school/requests", "/school/requests/new"])
def test_the_readers_default_font_size_of_200_percent_doubles_the_text(browser, live, world, path):
    """Chromium's own font size setting (what a reader chooses in the browser's settings),
    set to 32 px: the page's text measures twice its size at 16 px, and nothing at 1280 px
    is wider than the window."""
    page, errors = signed_in_page(browser, live, world, "school", 1280)
    page.goto(path)
    page.wait_for_function(READY)
    before = font_sizes(page)
    session = page.context.new_cdp_session(page)
    session.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    page.reload()
    page.wait_for_function(READY)
    after = font_sizes(page)
    assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "32px"
    for part in ("h1", "body", "table"):
        assert after[part] / before[part] == pytest.approx(2, abs=0.05), (part, before, after)
    assert before["h1"] >= 1.75 * before["body"], "the h1 stands out from the text"
    assert page.evaluate(OVERFLOW) <= 0, f"{path} scrolls sideways at 200 % text"
    assert not errors, errors
    page.context.close()


@pytest.mark.parametrize("width", [1280, 1024])
def test_text_spacing_keeps_the_overviews_headers_apart(browser, live, world, width):
    page, errors = signed_in_page(browser, live, world, "school", width)
    page.goto("/school/requests")
    page.wait_for_function(READY)
    page.locator("tbody tr").first.wait_for()
    page.evaluate(
        "(rules) => { const sheet = document.styleSheets[0];"
        " for (const rule of rules) sheet.insertRule(rule, sheet.cssRules.length); }",
        TEXT_SPACING,
    )
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('th')).letterSpacing")
        != "normal"
    )
    headers = page.evaluate(HEADER_BOXES)
    assert len(headers) == 5
    for header in headers:
        # Its words stay inside its own cell: nothing spills into the next column.
        assert header["right"] <= header["cellRight"] + 1, header
        assert header["left"] >= header["cellLeft"] - 1, header
    for left, right in zip(headers, headers[1:], strict=False):
        assert left["right"] <= right["left"] + 1, (left, right)
    assert page.evaluate(OVERFLOW) <= 0
    assert not errors, errors
    page.context.close()


def test_on_a_phone_the_navigation_folds_into_a_menu(browser, live, world):
    page, errors = signed_in_page(browser, live, world, "school", 390, 844)
    toggle = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "site-menu"
    assert not nav.is_visible()
    assert not page.get_by_role("button", name="Afmelden").is_visible()
    # With the keyboard: Tab from the skip link to the brand, to the menu button; Enter opens.
    page.locator(".skip-link").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "menu-toggle"
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()
    # The next Tab is the menu's first link; following a link closes the menu.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Start"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/school/supervisors")
    # The menu closes on the render after the URL changed: wait for it, do not sample once.
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    # Space toggles it too, and it closes again.
    toggle.focus()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page.evaluate(OVERFLOW) <= 0
    assert not errors, errors
    page.context.close()


def test_on_a_wide_screen_the_navigation_shows(browser, live, world):
    page, errors = signed_in_page(browser, live, world, "admin", 1280)
    assert not page.get_by_role("button", name="Menu").is_visible()
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    assert nav.is_visible()
    links = nav.get_by_role("link")
    assert links.count() == 8
    for n in range(links.count()):
        assert links.nth(n).is_visible()
    # The navigation sits under the brand, on at most two lines at 1280 px.
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 160
    assert page.get_by_role("button", name="Afmelden").is_visible()
    assert not errors, errors
    page.context.close()


@pytest.mark.parametrize("role", ["school", "admin"])
def test_at_400_percent_zoom_the_header_leaves_the_screen_to_the_page(browser, live, world, role):
    """400 % zoom of a 1280 × 1024 window is 320 × 256 CSS pixels: the header (brand and
    menu button) takes at most a fifth of that height."""
    page, errors = signed_in_page(browser, live, world, role, 320, 256)
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    assert header["height"] <= 0.2 * 256, f"the header is {header['height']}px of 256"
    assert page.get_by_role("button", name="Menu").is_visible()
    assert page.evaluate(OVERFLOW) <= 0
    assert not errors, errors
    page.context.close()


# Every list of the client at 390 px: each row a card, each cell labelled by its column.
TABLES = [
    ("school", "/school/requests"),
    ("school", "/school/supervisors"),
    ("school", "/account/tokens"),
    ("service", "/service"),
    ("service", "/service/mine"),
    ("admin", "/admin"),
    ("admin", "/admin/requests"),
    ("admin", "/admin/organisations"),
    ("admin", "/admin/campaigns"),
    ("admin", "/admin/conflicts"),
    ("admin", "/admin/outbox"),
    ("admin", "/admin/audit"),
]
CELLS = """() => [...document.querySelectorAll('table tbody td, table tbody th')]
  .filter((cell) => cell.getClientRects().length > 0)
  .map((cell) => ({
    label: cell.dataset.label ?? null,
    before: getComputedStyle(cell, '::before').content,
    display: getComputedStyle(cell).display,
    row: getComputedStyle(cell.parentElement).display,
    left: cell.getBoundingClientRect().left,
    right: cell.getBoundingClientRect().right,
  }))"""


@pytest.fixture(scope="module")
def phone_pages(browser, live, world):
    opened: dict[str, object] = {}
    errors: list[str] = []

    def page_for(role: str):
        if role not in opened:
            page = fresh_page(browser, live, errors, 390, 844)
            login(page, *world.logins[role], role=role)
            opened[role] = page
        return opened[role]

    yield page_for, errors
    for page in opened.values():
        page.context.close()


@pytest.mark.parametrize(("role", "path"), TABLES, ids=[p for _, p in TABLES])
def test_on_a_phone_every_table_is_cards_with_labelled_cells(phone_pages, role, path):
    page_for, errors = phone_pages
    page = page_for(role)
    page.goto(path)
    page.wait_for_function(READY)
    page.locator("table tbody tr").first.wait_for()
    cells = page.evaluate(CELLS)
    assert cells, f"{path} shows no table"
    labelled = [c for c in cells if c["label"]]
    assert labelled, f"{path}: no cell says which column it is"
    for cell in cells:
        assert cell["row"] == "block" and cell["display"] == "block", (path, cell)
        assert cell["left"] >= 0 and cell["right"] <= 390, (path, cell)
    for cell in labelled:
        # The label shows before the value ("Plaats: 8000 Brugge").
        assert cell["before"] == f'"{cell["label"]}: "', (path, cell)
    assert page.locator("table thead").first.bounding_box()["height"] <= 1
    assert page.evaluate(OVERFLOW) <= 0, f"{path} scrolls sideways"
    assert not errors, errors


# The filled (primary) buttons a page shows outside its dialogs (in a list's rows a primary
# is drawn quiet: its text is not white).
PRIMARIES = """() => [...document.querySelectorAll('button.primary, .button.primary')]
  .filter((b) => b.getClientRects().length > 0 && !b.closest('dialog'))
  .filter((b) => getComputedStyle(b).color === 'rgb(255, 255, 255)')
  .map((b) => b.textContent.trim())"""


@pytest.fixture(scope="module")
def wide_pages(browser, live, world):
    opened: dict[str, object] = {}
    errors: list[str] = []

    def page_for(role: str):
        if role not in opened:
            page = fresh_page(browser, live, errors, 1280, 900)
            login(page, *world.logins[role], role=role)
            opened[role] = page
        return opened[role]

    yield page_for, errors
    for page in opened.values():
        page.context.close()


@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
def test_a_page_has_at_most_one_primary_action(wide_pages, new_page, world, shown):
    """One filled button per screen (a dialog has its own); the other actions are quieter."""
    page_for, errors = wide_pages
    if shown.role is None:
        page = new_page(width=1280)
        show(page, world, shown)
    else:
        page = page_for(shown.role)
        show(page, world, shown, signed_in=True)
    filled = page.evaluate(PRIMARIES)
    assert len(filled) <= 1, f"{shown.name}: {filled}"
    assert not errors, errors


@pytest.fixture(scope="module")
def large_text_pages(browser, live, world):
    """One page per role at 1280 px whose default font size is 32 px (200 %)."""
    opened: dict[str, object] = {}
    errors: list[str] = []

    def page_for(role: str | None):
        if role not in opened:
            page = fresh_page(browser, live, errors, 1280, 900)
            session = page.context.new_cdp_session(page)
            session.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
            if role is not None:
                login(page, *world.logins[role], role=role)
            opened[role] = page
        return opened[role]

    yield page_for, errors
    for page in opened.values():
        page.context.close()


@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
def test_at_200_percent_text_no_page_scrolls_sideways(large_text_pages, world, shown):
    page_for, errors = large_text_pages
    page = page_for(shown.role)
    show(page, world, shown, signed_in=True)
    assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "32px"
    assert page.evaluate(OVERFLOW) <= 0, f"{shown.name} scrolls sideways at 200 % text"
    assert not errors, errors

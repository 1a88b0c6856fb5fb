"""axe-core finds no serious or critical violation on any page of the client, in the states
users meet (dialogs open, errors shown); and no page is wider than a phone (390×844), where
lists are cards and their filters fold away behind a "Filters" button."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, fresh_page, login
from tests.browser.pages import PAGES, READY, build_world, show

pytestmark = pytest.mark.browser
PHONE = (390, 844)


@pytest.fixture(scope="module")
def world(live):
    return build_world(live)


@pytest.fixture(scope="module")
def signed_in(browser, live, world):
    """One signed-in page per role and width for the whole module: signing in once is enough
    (each page.goto starts the client again from the refresh cookie)."""
    opened: dict[tuple[str, int], object] = {}
    errors: list[str] = []

    def page_for(role: str, width: int):
        if (role, width) not in opened:
            page = fresh_page(browser, live, errors, width, PHONE[1] if width == PHONE[0] else 900)
            login(page, *world.logins[role], role=role)
            opened[role, width] = page
        return opened[role, width]

    yield page_for, errors
    for page in opened.values():
        page.context.close()


def open_page(new_page, signed_in, world, shown, width: int):
    page_for, errors = signed_in
    if shown.role is None:
        page = new_page(width=width, height=PHONE[1] if width == PHONE[0] else 900)
        show(page, world, shown)
    else:
        page = page_for(shown.role, width)
        show(page, world, shown, signed_in=True)
    assert not errors, errors
    return page


@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_accessibility_violation(new_page, signed_in, world, shown):
    page = open_page(new_page, signed_in, world, shown, 1280)
    assert axe_violations(page) == []
    assert page.locator("html").get_attribute("lang") == "nl"


@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
def test_nothing_is_wider_than_a_phone(new_page, signed_in, world, shown):
    page = open_page(new_page, signed_in, world, shown, PHONE[0])
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{shown.name} is {overflow}px wider than the screen"
    assert axe_violations(page) == []


LISTS = {
    "school-overview": ("school", "/school/requests"),
    "service-browse": ("service", "/service"),
    "admin-organisations": ("admin", "/admin/organisations"),
    "admin-requests": ("admin", "/admin/requests"),
    "admin-audit": ("admin", "/admin/audit"),
}


@pytest.mark.parametrize("name", LISTS)
def test_on_a_phone_a_list_comes_first_as_cards_its_filters_folded(signed_in, name):
    role, path = LISTS[name]
    page_for, errors = signed_in
    page = page_for(role, PHONE[0])
    page.goto(path)
    page.wait_for_function(READY)
    toggle = page.get_by_role("button", name="Filters")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("form.filters").is_visible()
    # The first row is on the first screen, as a card: no column is cut off.
    first = page.locator("tbody tr").first
    box = first.bounding_box()
    assert box is not None and box["y"] < PHONE[1], f"{name}: the list starts below the screen"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("form.filters")).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert axe_violations(page) == []
    assert not errors, errors

"""axe-core finds no serious or critical violation on any page of the client, in the states
users meet (dialogs open, errors shown); and no page is wider than a phone."""

import pytest

from tests.browser.conftest import axe_violations, fresh_page, login
from tests.browser.pages import PAGES, build_world, show

pytestmark = pytest.mark.browser


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
            page = fresh_page(browser, live, errors, width)
            login(page, *world.logins[role], role=role)
            opened[role, width] = page
        return opened[role, width]

    yield page_for, errors
    for page in opened.values():
        page.context.close()


def open_page(new_page, signed_in, world, shown, width: int):
    page_for, errors = signed_in
    if shown.role is None:
        page = new_page(width=width)
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
    page = open_page(new_page, signed_in, world, shown, 390)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{shown.name} is {overflow}px wider than the screen"
    assert axe_violations(page) == []

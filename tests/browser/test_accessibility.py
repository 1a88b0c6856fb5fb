"""axe-core finds no serious or critical violation on any page of the client, in the states
users meet (dialogs open, errors shown), at desktop and phone width."""

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.pages import PAGES, build_world, show

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(live):
    return build_world(live)


@pytest.mark.parametrize("shown", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_accessibility_violation(new_page, world, shown):
    page = new_page()
    show(page, world, shown)
    assert axe_violations(page) == []
    # Dutch pages: every visible word comes from the Dutch catalog.
    assert page.locator("html").get_attribute("lang") == "nl"


@pytest.mark.parametrize(
    "shown", [p for p in PAGES if p.role], ids=[p.name for p in PAGES if p.role]
)
def test_nothing_is_wider_than_a_phone(new_page, world, shown):
    page = new_page(width=390)
    show(page, world, shown)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{shown.name} is {overflow}px wider than the screen"

"""A list whose total the server counted up to its bound (`total_is_estimate`, issue 17)
reads "meer dan 1.000" and keeps "Volgende" open: the client shows what the server says."""

import pytest

from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser


def test_a_bounded_total_reads_more_than(page, live, campaigns):
    _, school_client, supervisor = school_with_supervisor(live, "VTI Brugge", "8000")
    enter_request(school_client, supervisor, first_name="Lotte", last_name="Peeters")
    service = live.activated("service", "Thuiszorg Brugge", "8000")

    def counted_up_to_the_bound(route):
        # The server's answer, as it reads with more than 1,000 matches.
        response = route.fetch()
        body = response.json()
        body.update(total=1000, total_is_estimate=True)
        route.fulfill(response=response, json=body)

    page.route("**/api/v1/placement-requests?*", counted_up_to_the_bound)
    login(page, service["email"], role="service")
    page.get_by_text("Meer dan 1.000 aanvragen").wait_for()
    pager = page.get_by_role("navigation", name="Pagina's")
    assert "Pagina 1 van meer dan" in pager.inner_text()
    assert pager.get_by_role("button", name="Volgende").is_enabled()

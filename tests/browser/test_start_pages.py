"""The start pages say at a glance where things stand, from the server's counts: the school's
per status (each a link to the overview filtered by it) and what needs it as the decision
deadline nears; the service's pupils waiting for its answer and the deadline."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser


def _deadline_in(live, campaign: dict, days: int) -> None:
    now = datetime.now(UTC)
    moved = live.admin().patch(
        f"/campaigns/{campaign['id']}",
        json={
            "request_deadline": (now + timedelta(days=days - 3)).isoformat(),
            "decision_deadline": (now + timedelta(days=days)).isoformat(),
        },
    )
    assert moved.status_code == 200, moved.text


@pytest.fixture
def near_deadline(live, campaigns):
    """The duaal campaign's decisions close in five days; put back afterwards."""
    campaign = campaigns["duaal"]
    _deadline_in(live, campaign, 5)
    yield campaign
    live.admin().patch(
        f"/campaigns/{campaign['id']}",
        json={k: campaign[k] for k in ("request_deadline", "decision_deadline")},
    ).raise_for_status()


def test_the_schools_start_page_counts_and_warns(page, live, near_deadline):
    school, school_client, supervisor = school_with_supervisor(live, "Atheneum Tielt", "8700")
    pupils = [
        enter_request(school_client, supervisor, first_name=name, last_name="Desmet")
        for name in ("Ann", "Bram", "Cis")
    ]
    service = live.activated("service", "Zorgnest Tielt", "8700")
    live.client_for(service["email"]).post(
        f"/placement-requests/{pupils[0]['id']}/invitations"
    ).raise_for_status()

    login(page, school["email"], role="school")
    counts = page.get_by_test_id("status-counts")
    warning = page.get_by_role("status").filter(has_text="Aandacht nodig")
    warning.wait_for()
    tiles = {
        link: counts.locator(".stat")
        .filter(has=page.get_by_role("link", name=link, exact=True))
        .locator("strong")
        .inner_text()
        for link in ("geplaatst", "uitgenodigd, wachten op een antwoord", "nog zonder uitnodiging")
    }
    assert tiles == {
        "geplaatst": "0",
        "uitgenodigd, wachten op een antwoord": "1",
        "nog zonder uitnodiging": "2",
    }
    assert "2 leerling(en) hebben nog geen uitnodiging" in warning.inner_text()
    warning.get_by_role("link", name="Bekijk de leerlingen zonder uitnodiging").click()
    page.wait_for_url("**/school/requests?status=open")
    page.get_by_role("row").filter(has_text="Cis").wait_for()
    assert page.get_by_role("row").filter(has_text="Ann").count() == 0


def test_the_services_start_page_shows_who_waits_for_its_answer(page, live, near_deadline):
    _, school_client, supervisor = school_with_supervisor(live, "Sint-Jozef Lichtervelde", "8810")
    pupil = enter_request(school_client, supervisor, first_name="Dirk", last_name="Vanhee")
    service = live.activated("service", "Dagcentrum Lichtervelde", "8810")
    live.client_for(service["email"]).post(
        f"/placement-requests/{pupil['id']}/invitations"
    ).raise_for_status()

    login(page, service["email"], role="service")
    waiting = page.get_by_test_id("waiting")
    waiting.get_by_role(
        "link", name="1 leerling(en) die je uitnodigde wachten op je antwoord"
    ).click()
    page.wait_for_url("**/service/mine?tab=invited")
    page.get_by_role("row").filter(has_text="Dirk Vanhee").wait_for()
    page.go_back()
    assert "minder dan een week" in page.get_by_test_id("waiting").inner_text()

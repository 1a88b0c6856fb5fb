"""A service invites a pupil with a proposed interview, changes it, and the school sees the
moment (in Brussels time) and the place on the service's line of its overview and on the
pupil's page; dropped, it is gone while the invitation stays."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser
BRUSSELS = ZoneInfo("Europe/Brussels")


def test_the_service_proposes_an_interview_and_the_school_sees_it(page, new_page, live, campaigns):
    school, school_client, supervisor = school_with_supervisor(live, "Sint-Jozef Oostende", "8400")
    pupil = enter_request(school_client, supervisor, first_name="Lotte", last_name="Pauwels")
    service = live.activated("service", "Dagcentrum De Zeester", "8400")
    day = (datetime.now(UTC) + timedelta(days=5)).astimezone(BRUSSELS).date()

    login(page, service["email"], role="service")
    page.goto(f"/service/requests/{pupil['id']}")
    page.get_by_role("button", name="Uitnodigen met een gespreksmoment").click()
    dialog = page.get_by_role("dialog", name="Lotte Pauwels uitnodigen voor een gesprek")
    # Without a place the form says so at the field, and sends nothing.
    dialog.get_by_label("Datum").fill(day.isoformat())
    dialog.locator("#interview-time").fill("14:30")
    dialog.get_by_role("button", name="Uitnodigen").click()
    assert dialog.locator("#interview-place-error").inner_text() == "Vul de plaats in."
    dialog.get_by_label("Plaats").fill("Zeedijk 10, Oostende")
    dialog.get_by_role("button", name="Uitnodigen").click()
    page.get_by_role("status").filter(has_text="is uitgenodigd").wait_for()
    panel = page.locator("section.interview")
    panel.get_by_text("Zeedijk 10, Oostende").wait_for()
    assert "14:30" in panel.inner_text() and "15:30" in panel.inner_text()

    seen = school_client.get(f"/placement-requests/{pupil['id']}").json()
    [invitation] = seen["invitations"]
    starts = datetime.fromisoformat(invitation["interview"]["starts_at"]).astimezone(BRUSSELS)
    assert (starts.date(), starts.strftime("%H:%M")) == (day, "14:30")

    # It moves the interview to another hour and room.
    panel.get_by_role("button", name="Gesprek wijzigen").click()
    dialog = page.get_by_role("dialog", name="Gesprek met Lotte Pauwels")
    assert dialog.locator("#interview-time").input_value() == "14:30"
    dialog.locator("#interview-time").fill("09:00")
    dialog.get_by_label("Plaats").fill("Lokaal 2, Zeedijk 10")
    dialog.get_by_role("button", name="Gesprek bewaren").click()
    page.get_by_role("status").filter(has_text="is bewaard").wait_for()
    panel.get_by_text("Lokaal 2, Zeedijk 10").wait_for()

    # The school: on the service's line of its overview, and on the pupil's page.
    school_page = new_page()
    login(school_page, school["email"], role="school")
    school_page.goto("/school/requests")
    row = school_page.get_by_role("row").filter(has_text="Pauwels")
    row.locator(".interviews").wait_for()
    line = row.locator(".interviews li").inner_text()
    assert "Gesprek bij Dagcentrum De Zeester" in line
    assert "09:00" in line and "10:00" in line and "Lokaal 2, Zeedijk 10" in line
    school_page.goto(f"/school/requests/{pupil['id']}")
    school_page.locator(".status-line .interviews").get_by_text("Lokaal 2").wait_for()
    # Its history keeps each proposal, in words.
    proposals = school_page.locator(".history li.interview")
    proposals.filter(has_text="Lokaal 2, Zeedijk 10").wait_for()
    assert proposals.count() == 2
    assert "Gesprek voorgesteld door Dagcentrum De Zeester" in proposals.first.inner_text()

    # Dropped: gone from the school's page; the invitation stays.
    panel.get_by_role("button", name="Gesprek schrappen").click()
    page.get_by_role("status").filter(has_text="is geschrapt").wait_for()
    page.locator("section.interview").get_by_text("nog geen moment").wait_for()
    school_page.reload()
    school_page.locator(".status-line").get_by_text("Uitgenodigd").first.wait_for()
    assert school_page.locator(".interviews").count() == 0
    school_page.locator(".history li").filter(has_text="Gesprek geannuleerd").wait_for()

"""A second round in the browser (issue 16, point 1): the admin opens it on the campaigns page
with its own deadline (the button only where the server offers `open_round`), a service that
never invited the pupil accepts it in the round, and the school sees it, its banner naming
the round. The test runs on a campaign of its own (the shared stage campaign waits before its
opening meanwhile, so that the banner shows this one) and closes it after."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser
MOMENTS = ("opens_at", "request_deadline", "decision_deadline")


def _moments(*days: float) -> dict:
    now = datetime.now(UTC)
    return {n: (now + timedelta(days=d)).isoformat() for n, d in zip(MOMENTS, days, strict=True)}


def _stage_track(page) -> None:
    page.evaluate("localStorage.setItem('stagematch.track', 'stage')")


def test_the_admin_opens_a_second_round_a_service_accepts_and_the_school_sees_it(
    page, new_page, live, campaigns
):
    admin = live.admin()
    shared = campaigns["stage"]
    original = {k: shared[k] for k in MOMENTS}
    assert admin.patch(f"/campaigns/{shared['id']}", json=_moments(5, 6, 7)).status_code == 200
    created = admin.post(
        "/campaigns",
        json={"school_year": "2091-2092", "track": "stage", **_moments(-3, 1, 2)},
    )
    assert created.status_code == 201, created.text
    campaign = created.json()
    school, school_client, supervisor = school_with_supervisor(live, "KTA Torhout", "8820")
    pupil = enter_request(
        school_client, supervisor, track="stage", form=None, first_name="Ruben", last_name="Dewulf"
    )
    first = live.activated("service", "Thuiszorg Torhout", "8820")
    first_client = live.client_for(first["email"])
    first_client.post(f"/placement-requests/{pupil['id']}/invitations").raise_for_status()
    later = live.activated("service", "Zorgbedrijf Brugge", "8000")
    try:
        # The decision deadline passes without an acceptance.
        moved = admin.patch(f"/campaigns/{campaign['id']}", json=_moments(-3, -2, -1 / 24))
        assert moved.status_code == 200 and moved.json()["phase"] == "closed", moved.text
        assert school_client.get(f"/placement-requests/{pupil['id']}").json()["status"] == (
            "not_placed"
        )

        # The admin opens the second round on the campaigns page.
        login(page, "beheer@stagematch.test", "beheer-wachtwoord-voor-tests", role="admin")
        page.goto("/admin/campaigns")
        table = page.locator("table").first  # the campaigns (the retention's table follows)
        row = table.get_by_role("row").filter(has_text="2091-2092")
        row.get_by_role("button", name="Tweede ronde openen").click()
        form = page.locator("form").filter(has=page.locator("#round_deadline"))
        deadline = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(days=7)).replace(
            hour=12, minute=0
        )
        form.get_by_label("Beslissingsdeadline van de tweede ronde").fill(
            deadline.strftime("%Y-%m-%dT%H:%M")
        )
        form.get_by_role("button", name="Ronde openen").click()
        page.get_by_text("Tweede ronde geopend voor 2091-2092").wait_for()
        # The row shows the round and offers no next one while it runs (the button's own
        # words hold "Tweede ronde" too: wait for the round's tag, not for the words).
        expect(row.locator(".campaign-round")).to_have_text("Tweede ronde")
        expect(row.get_by_role("button", name="Tweede ronde openen")).to_have_count(0)
        opened = admin.get(f"/campaigns/{campaign['id']}").json()
        assert (opened["round"], opened["phase"]) == (2, "decisions_open")
        assert opened["decision_deadline"] == opened["rounds"][1]["decision_deadline"]

        # A service that never invited the pupil finds it in the round and accepts it.
        serving = new_page()
        login(serving, later["email"], role="service")
        _stage_track(serving)
        serving.goto(f"/service/requests/{pupil['id']}")
        serving.locator(".banner[data-round='2']").first.wait_for()
        assert "Tweede ronde" in serving.locator(".banner").first.inner_text()
        serving.locator(".round-tag").first.wait_for()
        serving.get_by_role("button", name="Uitnodigen voor een gesprek").click()
        serving.get_by_role("button", name="Aanvaarden").click()
        dialog = serving.get_by_role("dialog", name="Ruben Dewulf aanvaarden")
        dialog.get_by_label("Notities voor de school").fill("Start na de krokusvakantie.")
        dialog.get_by_label("Naam contactpersoon").fill("Sofie Claeys")
        dialog.get_by_label("Telefoon contactpersoon").fill("050 44 55 66")
        dialog.get_by_label("E-mail contactpersoon").fill("sofie@zorgbedrijf.be")
        dialog.get_by_role("button", name="Aanvaarden").click()
        serving.get_by_text("Aanvaard").first.wait_for()
        seen = school_client.get(f"/placement-requests/{pupil['id']}").json()
        assert (seen["status"], seen["round"]) == ("accepted", 2)
        assert seen["acceptance"]["service"]["name"] == "Zorgbedrijf Brugge"

        # The school sees the acceptance in its overview, in the second round.
        login(page, school["email"], role="school")
        _stage_track(page)
        page.goto("/school/requests")
        page.locator(".banner[data-round='2']").first.wait_for()
        line = page.get_by_role("row").filter(has_text="Dewulf")
        line.wait_for()
        text = line.inner_text()
        assert "Aanvaard" in text and "Zorgbedrijf Brugge" in text and "Tweede ronde" in text
        line.get_by_role("link").first.click()
        history = page.locator(".history")
        history.wait_for()
        assert "Opnieuw open in de tweede ronde" in history.inner_text()
    finally:
        admin.patch(f"/campaigns/{campaign['id']}", json=_moments(-3, -2, -1 / 24))
        admin.patch(f"/campaigns/{shared['id']}", json=original)
        for client in (school_client, first_client):
            client.close()

"""A school's overview changes while it is open when a service acts; bulk import with the
per-row report of a dry run; a request once accepted is read-only."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import (
    enter_request,
    login,
    national_number,
    school_with_supervisor,
)

pytestmark = pytest.mark.browser


def test_an_open_overview_changes_when_a_service_invites_and_accepts(page, live, campaigns):
    school, client, supervisor = school_with_supervisor(live, "Hotelschool Gent", "9000")
    created = enter_request(client, supervisor, first_name="Amira")
    service = live.activated("service", "Gezinszorg Meetjesland", "9900")
    service_client = live.client_for(service["email"])

    login(page, school["email"], role="school")
    page.goto("/school/requests")
    row = page.get_by_role("row").filter(has_text="Amira")
    row.wait_for()
    assert "Uitgenodigd" not in row.inner_text()
    page.evaluate("window.notReloaded = true")

    answer = service_client.post(f"/placement-requests/{created['id']}/invitations")
    assert answer.status_code in (200, 201), answer.text
    row.filter(has_text="Uitgenodigd door Gezinszorg Meetjesland").wait_for(timeout=5000)

    answer = service_client.post(
        f"/placement-requests/{created['id']}/acceptance",
        json={
            "notes": "Welkom op 2 februari.",
            "contact_person": {"name": "Jan", "phone": "09 223 45 67", "email": "jan@example.be"},
        },
    )
    assert answer.status_code in (200, 201), answer.text
    row.filter(has_text="Aanvaard door Gezinszorg Meetjesland").wait_for(timeout=5000)
    assert "Welkom op 2 februari." in row.inner_text()
    # The same page all along: no reload.
    assert page.evaluate("window.notReloaded") is True

    # Accepted: the request opens read-only, and the API refuses a change too.
    row.get_by_role("link").first.click()
    page.get_by_role("status").filter(has_text="niet meer veranderd").wait_for()
    assert page.locator("main input, main select, main textarea").count() == 0
    assert page.get_by_role("button", name="Leerling verwijderen").count() == 0
    service_client.close()
    client.close()


def test_bulk_import_reports_each_row_then_imports_all(page, live, campaigns, tmp_path):
    school, client, supervisor = school_with_supervisor(live, "Spes Nostra Kuurne", "8520")
    header = (
        "first_name;last_name;national_number;street;postcode;city;province;phone;email;"
        "transport_modes;remarks;supervisor_email;start_date;end_date;hours_per_week;days;form"
    )

    def line(first: str, number: str, postcode: str = "8500", hours: str = "20") -> str:
        return (
            f"{first};Maes;{number};Kerkstraat 1;{postcode};Kortrijk;;0470 12 34 56;"
            f"{first.lower()}@example.be;bike;;{supervisor['email']};;;{hours};mon, tue;block"
        )

    good = [line("Ada", national_number()), line("Bo", national_number())]
    bad = tmp_path / "leerlingen.csv"
    bad.write_text("\n".join([header, *good, line("Cas", "12345678901", "0000", "99")]))

    login(page, school["email"], role="school")
    page.goto("/school/requests")
    page.get_by_role("link", name="Leerlingen inlezen uit een bestand").click()
    page.locator("#import-file").set_input_files(str(bad))
    page.get_by_role("button", name="Bestand nakijken").click()
    report = page.get_by_role("region", name="Resultaat van de controle")
    report.wait_for()
    assert "3 rijen gelezen: 2 in orde, 1 met een probleem" in report.inner_text()
    # Row 4 (the spreadsheet's numbering: the header is row 1) has three problems.
    text = report.text_content()
    assert "Rij 4" in text and "Rij 2" not in text and "Rij 3" not in text
    for words in ("De controlecijfers kloppen niet", "Deze postcode bestaat niet", "te groot"):
        assert words in text
    # Nothing can be imported while a row is wrong.
    assert page.get_by_role("button", name="Inlezen", exact=False).count() == 0

    fixed = tmp_path / "leerlingen-verbeterd.csv"
    fixed.write_text("\n".join([header, *good]))
    page.locator("#import-file").set_input_files(str(fixed))
    page.get_by_role("button", name="Bestand nakijken").click()
    page.get_by_role("button", name="Inlezen (2 leerlingen)").click()
    page.get_by_role("status").filter(has_text="2 leerlingen zijn ingelezen").wait_for()
    page.get_by_role("link", name="Terug naar het overzicht").click()
    page.get_by_role("row").filter(has_text="Maes Ada").wait_for()
    page.get_by_role("row").filter(has_text="Maes Bo").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporteren (CSV)").click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert "Ada" in exported and "Bo" in exported

    # While no service accepted, the school edits and deletes.
    page.get_by_role("link", name="Maes Ada").click()
    page.get_by_role("heading", name="Ada Maes bewerken").wait_for()
    assert page.get_by_label("Telefoon").input_value() == "0470 12 34 56"
    page.get_by_label("Aantal uren per week").fill("22")
    page.get_by_role("button", name="Opslaan en sluiten").click()
    page.wait_for_url("**/school/requests")
    page.get_by_role("link", name="Maes Bo").click()
    page.get_by_role("button", name="Leerling verwijderen").click()
    page.get_by_role("dialog").get_by_role("button", name="Verwijderen").click()
    page.wait_for_url("**/school/requests")
    page.get_by_role("row").filter(has_text="Maes Ada").wait_for()
    assert page.get_by_role("row").filter(has_text="Maes Bo").count() == 0
    listed = client.get("/placement-requests", params={"q": "Maes"}).json()["items"]
    assert [(r["first_name"], r["hours_per_week"]) for r in listed] == [("Ada", 22)]
    client.close()


def test_after_the_decision_deadline_an_invited_pupil_shows_not_placed(page, live, campaigns):
    """The badge shows the server's status: an invitation that never became an acceptance
    reads "Niet geplaatst" once the decision deadline passed, not "Uitgenodigd door ..."."""
    school, client, supervisor = school_with_supervisor(live, "Sint-Vincentius Torhout", "8820")
    created = enter_request(client, supervisor, track="stage", first_name="Noor")
    service = live.activated("service", "Thuiszorg Torhout", "8820")
    service_client = live.client_for(service["email"])
    invited = service_client.post(f"/placement-requests/{created['id']}/invitations")
    assert invited.status_code in (200, 201), invited.text
    stage = campaigns["stage"]
    now = datetime.now(UTC)
    moved = live.admin().patch(
        f"/campaigns/{stage['id']}",
        json={
            "request_deadline": (now - timedelta(days=2)).isoformat(),
            "decision_deadline": (now - timedelta(hours=1)).isoformat(),
        },
    )
    assert moved.status_code == 200, moved.text
    try:
        assert client.get(f"/placement-requests/{created['id']}").json()["status"] == "not_placed"
        login(page, school["email"], role="school")
        page.goto("/school/requests")
        page.get_by_role("button", name="Stage 7e jaar").click()
        row = page.get_by_role("row").filter(has_text="Noor")
        row.wait_for()
        assert "Niet geplaatst" in row.inner_text()
        assert "Uitgenodigd" not in row.inner_text()
    finally:
        restored = live.admin().patch(
            f"/campaigns/{stage['id']}",
            json={
                "request_deadline": stage["request_deadline"],
                "decision_deadline": stage["decision_deadline"],
            },
        )
        assert restored.status_code == 200, restored.text
        service_client.close()
        client.close()


def test_an_error_shown_on_leaving_a_field_does_not_steal_the_next_click(page, live, campaigns):
    """Leaving an empty required field by pressing on the next control: the press lands
    there, then the field's error shows."""
    school, client, _ = school_with_supervisor(live, "Sint-Jan Kortrijk", "8500")
    client.close()
    login(page, school["email"], role="school")
    page.goto("/school/requests/new")
    page.locator("#email").click()
    page.get_by_role("checkbox", name="Fiets", exact=True).click()
    assert page.get_by_role("checkbox", name="Fiets", exact=True).is_checked()
    page.locator("#email-error").wait_for()

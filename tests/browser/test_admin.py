"""The admin's organisations page: create a school with the keyboard-reachable form, which
mails the invitation; resend it; the page has no serious accessibility violation."""

import json
import time

import pytest

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    axe_violations,
    enter_request,
    login,
    school_with_supervisor,
)

pytestmark = pytest.mark.browser


def test_the_admin_creates_and_invites_a_school_in_the_browser(page, live):
    page.goto("/login")
    page.locator("#email").fill(ADMIN_EMAIL)
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin")
    page.get_by_role("link", name="Organisaties").click()
    page.get_by_role("button", name="Organisatie toevoegen").click()
    # A server-side refusal (a postcode that is no postcode) is stopped at its field first.
    page.get_by_label("Naam").first.fill("Hiemsch Instituut")
    page.get_by_label("E-mailadres").first.fill("hiemsch@example.be")
    page.get_by_label("Postcode").fill("12")
    page.get_by_role("button", name="Aanmaken en uitnodigen").click()
    assert page.locator("#postcode-error").inner_text() == "Een postcode heeft 4 cijfers."
    page.get_by_label("Postcode").fill("3000")
    page.get_by_role("button", name="Aanmaken en uitnodigen").click()
    page.get_by_role("status").filter(has_text="Hiemsch Instituut is aangemaakt").wait_for()
    live.mail_link("hiemsch@example.be", "/activate")
    row = page.get_by_role("row").filter(has_text="Hiemsch Instituut")
    assert "Uitgenodigd" in row.inner_text()
    assert axe_violations(page) == []
    row.get_by_role("button", name="Uitnodiging opnieuw sturen: Hiemsch Instituut").click()
    page.get_by_role("status").filter(has_text="nieuwe activatiemail").wait_for()
    live.wait_for_mails("hiemsch@example.be", 2)


def test_the_admin_sets_a_services_profile_and_capacity_and_copies_a_campaign(
    page, live, campaigns
):
    service = live.invite("service", "Familiehulp Hasselt", "3500", provinces=["BE-VLI"])
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    page.get_by_role("link", name="Organisaties").click()
    page.get_by_role("button", name="Familiehulp Hasselt bewerken").click()
    form = page.get_by_role("form", name="Gegevens van Familiehulp Hasselt")
    form.get_by_label("Postcode van de dienst").fill("3600")
    form.get_by_label("Antwerpen").check()
    duaal = campaigns["duaal"]
    places = form.get_by_label(f"{duaal['school_year']} · Duaal leren")
    places.fill("-3")
    form.get_by_role("button", name="Opslaan").click()
    assert page.locator(f"#capacity-{duaal['id']}-error").inner_text() == (
        "Een geheel getal van 0 tot 1000."
    )
    places.fill("4")
    form.get_by_role("button", name="Opslaan").click()
    page.get_by_role("status").filter(has_text="Familiehulp Hasselt is opgeslagen").wait_for()
    saved = live.admin().get(f"/organisations/{service['id']}").json()
    assert saved["postcode"] == "3600"
    assert set(saved["provinces"]) == {"BE-VLI", "BE-VAN"}
    capacities = live.admin().get(f"/organisations/{service['id']}/capacities").json()
    assert [(c["campaign_id"], c["capacity"]) for c in capacities] == [(duaal["id"], 4)]

    # Next year's campaign starts as a copy of this one, one year later, open for a check.
    page.get_by_role("link", name="Schooljaren en deadlines").click()
    year = campaigns["stage"]["school_year"]
    page.get_by_role("button", name=f"Kopiëren naar volgend jaar: {year} · Stage 7e jaar").click()
    first, second = (int(part) for part in year.split("-"))
    next_year = f"{first + 1}-{second + 1}"
    page.get_by_role("status").filter(
        has_text=f"{next_year} · Stage 7e jaar is aangemaakt"
    ).wait_for()
    form = page.get_by_role("form", name=f"{next_year} · Stage 7e jaar bewerken")
    opens = form.get_by_label("Opent op").input_value()
    original = campaigns["stage"]["opens_at"]
    assert opens.startswith(str(first + 1) + "-") and original.startswith(str(first) + "-")
    form.get_by_role("button", name="Opslaan").click()
    page.get_by_role("status").filter(has_text="Het schooljaar is opgeslagen").wait_for()
    row = page.get_by_role("row").filter(has_text=next_year).filter(has_text="Stage 7e jaar")
    assert "nog niet geopend" in row.inner_text()


def test_deadlines_move_with_the_servers_refusal_at_its_field_and_an_account_is_disabled(
    page, live, campaigns
):
    school = live.invite("school", "Atheneum Brugge", "8000")
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    page.get_by_role("link", name="Schooljaren en deadlines").click()
    duaal = campaigns["duaal"]
    page.get_by_role(
        "button", name=f"Deadlines verzetten: {duaal['school_year']} · Duaal leren"
    ).click()
    form = page.get_by_role("form", name=f"{duaal['school_year']} · Duaal leren bewerken")
    request_deadline = form.get_by_label("Deadline aanvragen").input_value()
    # A decision deadline before the request deadline: the server refuses, at that field.
    form.get_by_label("Deadline beslissingen").fill(f"{request_deadline[:10]}T00:00")
    form.get_by_role("button", name="Opslaan").click()
    error = page.locator("#decision_deadline-error")
    error.wait_for()
    assert "na de deadline voor aanvragen" in error.inner_text()
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'decision_deadline'"
    )
    form.get_by_role("button", name="Annuleren").click()

    page.get_by_role("link", name="Organisaties").click()
    page.get_by_role("button", name="Atheneum Brugge uitschakelen").click()
    page.get_by_role("status").filter(has_text="Atheneum Brugge is uitgeschakeld").wait_for()
    assert live.admin().get(f"/organisations/{school['id']}").json()["is_disabled"] is True
    page.get_by_role("button", name="Atheneum Brugge inschakelen").click()
    page.get_by_role("status").filter(has_text="Atheneum Brugge is ingeschakeld").wait_for()


def test_the_admin_reveals_a_pupils_data_with_a_reason_and_exports_them(page, live, campaigns):
    _, school_client, supervisor = school_with_supervisor(live, "Sint-Jan Kortrijk", "8500")
    pupil = enter_request(school_client, supervisor, first_name="Wout", last_name="Claeys")
    school_client.close()
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
    # The dashboard's pupils without a place link to their detail; so does the search.
    assert page.get_by_role("link", name="Claeys Wout").get_attribute("href") == (
        f"/admin/requests/{pupil['id']}"
    )
    page.get_by_role("navigation").get_by_role("link", name="Leerlingen").click()
    page.get_by_label("Zoeken op naam, plaats of postcode").fill("Claeys")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("status").filter(has_text="1 aanvraag").wait_for()
    page.get_by_role("link", name="Claeys Wout").click()
    page.get_by_role("heading", name="Wout Claeys").wait_for()
    assert pupil["national_number"] not in page.locator("main").inner_text()
    assert page.locator("main").get_by_text("Verborgen").count() == 3

    page.get_by_role("button", name="Rijksregisternummer, telefoon en e-mail tonen").click()
    dialog = page.get_by_role("dialog", name="Persoonsgegevens tonen")
    dialog.get_by_label("Reden").fill("kort")
    dialog.get_by_role("button", name="Tonen").click()
    assert dialog.locator("#reason-error").inner_text() == "Schrijf minstens 5 tekens."
    dialog.get_by_label("Reden").fill("Vraag van de school over een tikfout.")
    dialog.get_by_role("button", name="Tonen").click()
    page.get_by_role("status").filter(has_text="Het logboek houdt bij").wait_for()
    shown = page.locator("main").inner_text()
    digits = pupil["national_number"]
    assert f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}" in shown
    assert "0470 12 34 56" in shown and pupil["email"] in shown
    audit = live.admin().get("/admin/audit", params={"page_size": 20}).json()["items"]
    assert any(
        a["action"] == "national_number_revealed" and a["object_id"] == pupil["id"] for a in audit
    )

    with page.expect_download() as download:
        page.get_by_role("button", name="Alle gegevens van de leerling downloaden").click()
    assert download.value.suggested_filename == "gegevens-wout-claeys.json"
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert digits in json.dumps(exported)


def test_the_outbox_shows_why_a_mail_waits(page, live):
    """During an SMTP outage the admin's outbox says the mail waits, and with what error."""
    live.smtp.stop()
    try:
        organisation = live.invite("school", "Onbereikbaar Instituut", "3000")
        deadline = time.monotonic() + 10
        while True:
            items = live.admin().get("/admin/outbox", params={"pending_only": True}).json()
            mine = [m for m in items["items"] if m["to_address"] == organisation["email"]]
            if mine and mine[0]["status"] == "retrying":
                break
            assert time.monotonic() < deadline, mine
            time.sleep(0.1)
        login(page, ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
        page.goto("/admin/outbox")
        row = page.get_by_role("row").filter(has_text=organisation["email"])
        assert "wacht (1 pogingen), laatste fout: SMTP" in row.inner_text()
        assert "token=" not in page.content()
    finally:
        live.smtp.start()

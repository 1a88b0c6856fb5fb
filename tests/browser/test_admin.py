"""The admin's pages: create a school with the keyboard-reachable form, which mails the
invitation; resend it; unlock an account others' guessing locked; reveal and download a
pupil's data with a reason; export with or without contact data; withdraw one of a pupil
entered by two schools. The pages have no serious accessibility violation."""

import io
import json
import time

import httpx
import pytest
from openpyxl import load_workbook

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    axe_violations,
    enter_request,
    login,
    national_number,
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
    page.wait_for_function("() => document.getElementById('city').value === 'Leuven'")
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
    # Focus is on the summary, whose link leads to the field.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.classList.contains('error-summary')"
    )
    form.get_by_role("alert").get_by_role("link", name=error.inner_text()).click()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'decision_deadline'"
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
    page.get_by_role("button", name="Filters").click()  # folded until asked for
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

    # The data-subject download asks its own reason, which the log keeps.
    page.get_by_role("button", name="Alle gegevens van de leerling downloaden").click()
    dialog = page.get_by_role("dialog", name="Alle gegevens van de leerling downloaden")
    dialog.get_by_role("button", name="Downloaden").click()
    assert dialog.locator("#reason-error").inner_text() == "Vul een reden in."
    dialog.get_by_label("Reden").fill("Inzageverzoek van de leerling (AVG artikel 15)")
    with page.expect_download() as download:
        dialog.get_by_role("button", name="Downloaden").click()
    assert download.value.suggested_filename == "gegevens-wout-claeys.json"
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert digits in json.dumps(exported)
    page.get_by_role("status").filter(has_text="zijn gedownload").wait_for()
    audit = live.admin().get("/admin/audit", params={"action": "personal_data_export"}).json()
    assert [a["details"]["reason"] for a in audit["items"] if a["object_id"] == pupil["id"]] == [
        "Inzageverzoek van de leerling (AVG artikel 15)"
    ]


def test_the_dashboards_export_holds_contact_data_only_with_a_reason(page, live, campaigns):
    _, school_client, supervisor = school_with_supervisor(live, "VTI Roeselare", "8800")
    pupil = enter_request(school_client, supervisor, first_name="Jana", last_name="Desmet")
    school_client.close()
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
    page.get_by_label("Schooljaar").select_option(campaigns["duaal"]["id"])
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporteren (Excel)", exact=True).click()
    header, rows = _sheet(download.value.path())
    # The file speaks the admin's language (Dutch): the three columns are absent.
    assert "Voornaam" in header
    assert not {"Rijksregisternummer", "Telefoon", "E-mailadres"} & set(header)
    assert pupil["id"] in {row[0] for row in rows}

    page.get_by_role("button", name="Exporteren met rijksregisternummers (Excel)").click()
    dialog = page.get_by_role("dialog", name="Exporteren met persoonsgegevens")
    dialog.get_by_label("Reden").fill("Contracten opmaken voor de sector")
    with page.expect_download() as download:
        dialog.get_by_role("button", name="Exporteren").click()
    header, rows = _sheet(download.value.path())
    [row] = [dict(zip(header, row, strict=True)) for row in rows if row[0] == pupil["id"]]
    assert row["Rijksregisternummer"] == pupil["national_number"]
    assert row["E-mailadres"] == pupil["email"]
    dialog.wait_for(state="detached")
    entries = live.admin().get("/admin/audit", params={"action": "export_requests"}).json()
    revealed = [e for e in entries["items"] if e["details"]["revealed"]]
    assert revealed[0]["details"]["reason"] == "Contracten opmaken voor de sector"
    assert pupil["id"] in revealed[0]["details"]["request_ids"]


def _sheet(path) -> tuple[list, list]:
    rows = list(load_workbook(io.BytesIO(path.read_bytes())).active.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_the_admin_withdraws_one_of_a_pupil_entered_by_two_schools(page, live, campaigns):
    number = national_number()
    _, first_client, first_supervisor = school_with_supervisor(live, "Sint-Lodewijk Brugge")
    _, second_client, second_supervisor = school_with_supervisor(live, "Atheneum Tielt", "8700")
    service = live.activated("service", "Thuiszorg Tielt", "8700", provinces=["BE-VWV"])
    kept = enter_request(
        first_client, first_supervisor, first_name="Fien", last_name="Maes", national_number=number
    )
    # The second school is neither refused nor told: its request is entered like any other.
    twin = enter_request(
        second_client,
        second_supervisor,
        first_name="Fien",
        last_name="Maes",
        national_number=number,
    )
    service_client = live.client_for(service["email"])
    service_client.post(f"/placement-requests/{twin['id']}/invitations").raise_for_status()
    service_client.close()
    first_client.close()
    second_client.close()

    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
    page.get_by_role("link", name="Schooljaren en deadlines").click()
    year = campaigns["duaal"]["school_year"]
    page.get_by_role("link", name=f"Conflicten: {year} · Duaal leren").click()
    page.get_by_role("heading", name="Leerlingen bij twee scholen").wait_for()
    pair = (
        page.locator("tbody")
        .filter(has_text="Sint-Lodewijk Brugge")
        .filter(has_text="Atheneum Tielt")
    )
    assert "Maes Fien" in pair.inner_text() and "Uitgenodigd" in pair.inner_text()
    assert number not in page.locator("main").inner_text()
    assert axe_violations(page) == []

    pair.get_by_role("button", name="Aanvraag van Fien Maes (Atheneum Tielt) intrekken").click()
    dialog = page.get_by_role("dialog", name="Aanvraag intrekken")
    dialog.get_by_label("Reden").fill("kort")
    dialog.get_by_role("button", name="Intrekken").click()
    assert dialog.locator("#reason-error").inner_text() == "Schrijf minstens 5 tekens."
    dialog.get_by_label("Reden").fill("De leerling zit sinds september op Sint-Lodewijk.")
    dialog.get_by_role("button", name="Intrekken").click()
    page.get_by_role("status").filter(
        has_text="De aanvraag van Fien Maes (Atheneum Tielt) is ingetrokken."
    ).wait_for()
    pair.wait_for(state="detached")
    assert live.admin().get(f"/placement-requests/{twin['id']}").json()["status"] == "withdrawn"
    assert live.admin().get(f"/placement-requests/{kept['id']}").json()["status"] == "open"
    live.wait_for_mails(service["email"], 2)  # the activation, then the withdrawal


def test_the_admin_unlocks_the_sign_in_of_a_school_locked_out_by_guessing(page, live):
    school = live.activated("school", "Het Spoor Kortrijk", "8200")

    def sign_in(password: str) -> int:
        return httpx.post(
            f"{live.url}/api/v1/auth/login",
            json={"email": school["email"], "password": password},
        ).status_code

    for n in range(5):
        assert sign_in(f"wrong-guess-number-{n}") == 401
    assert sign_in(PASSWORD) == 429

    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    page.get_by_role("link", name="Organisaties").click()
    row = page.get_by_role("row").filter(has_text="Het Spoor Kortrijk")
    row.get_by_role("button", name="Aanmelden deblokkeren: Het Spoor Kortrijk").click()
    page.get_by_role("status").filter(has_text="Het Spoor Kortrijk kan weer aanmelden").wait_for()
    assert sign_in(PASSWORD) == 200
    # An invited account has no sign-in to unlock: its row offers no such button.
    invited = live.invite("school", "Hiemsch Tweede", "3000")
    page.reload()
    row = page.get_by_role("row").filter(has_text=invited["name"])
    row.wait_for()
    assert row.get_by_role("button", name=f"Aanmelden deblokkeren: {invited['name']}").count() == 0


def test_the_admin_opens_a_mail_as_its_recipient_sees_it_without_its_link(page, live):
    """From the outbox the admin opens an invitation: its HTML part styled as sent (inside a
    frame that runs nothing, under the page's policy: no violation), its text part, and the
    activation link hidden in both."""
    organisation = live.invite("school", "Vrij Lyceum Aalst", "9300")
    token = httpx.URL(live.mail_link(organisation["email"], "/activate")).params["token"]
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
    page.goto("/admin/outbox")
    row = page.get_by_role("row").filter(has_text=organisation["email"])
    row.get_by_role("link", name="Activeer je account op Stagematch").click()
    page.get_by_role("heading", level=1, name="Activeer je account op Stagematch").wait_for()
    assert "[link verborgen]" in page.locator("pre.mail-text").inner_text()
    frame = page.frame_locator("iframe.mail-preview")
    heading = frame.get_by_role("heading", level=1, name="Activeer je account op Stagematch")
    heading.wait_for()
    assert frame.locator("html").get_attribute("lang") == "nl"
    # The mail's inline styles hold in the frame: its button is the mail's blue.
    button = frame.get_by_role("link", name="Activeer je account")
    assert button.evaluate("a => getComputedStyle(a).backgroundColor") == "rgb(11, 83, 148)"
    assert button.get_attribute("href") == "#"
    assert frame.get_by_role("link", name="stages@stagematch.be").get_attribute("href") == (
        "mailto:stages@stagematch.be"
    )
    assert page.locator("iframe.mail-preview").get_attribute("sandbox") == (
        "allow-same-origin allow-popups allow-popups-to-escape-sandbox"
    )
    assert token not in page.content()
    assert token not in frame.locator("html").inner_html()
    assert axe_violations(page) == []


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

"""The whole way of a pupil through Stagematch, in the browser only: the admin invites a school
and a service; both activate from the mail; the school enters a supervisor and a pupil; the
service finds the pupil by distance, invites and accepts; the school sees the acceptance and
can no longer change the request."""

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, login, national_number

pytestmark = pytest.mark.browser


def invite_in_browser(page, kind_label: str, name: str, email: str, postcode: str) -> None:
    page.get_by_role("button", name="Organisatie toevoegen").click()
    heading = page.get_by_role("heading", name="Organisatie toevoegen")
    form = page.locator("form").filter(has=heading)
    form.get_by_label(kind_label, exact=True).check()
    form.get_by_label("Naam").fill(name)
    form.get_by_label("E-mailadres").fill(email)
    form.get_by_label("Postcode").fill(postcode)
    if kind_label == "Dienst":
        form.get_by_label("West-Vlaanderen").check()
    form.get_by_role("button", name="Aanmaken en uitnodigen").click()
    page.get_by_role("status").filter(has_text=f"{name} is aangemaakt").wait_for()


def activate_from_mail(page, live, email: str, role: str) -> None:
    page.goto(live.mail_link(email, "/activate"))
    page.get_by_label("Nieuw wachtwoord").fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.wait_for_url(f"**/{role}")


def fill_request(page, first: str, last: str) -> None:
    page.get_by_label("Voornaam").fill(first)
    page.get_by_label("Achternaam").fill(last)
    page.get_by_label("Rijksregisternummer").fill(national_number())
    page.get_by_label("Straat en huisnummer").fill("Vlaanderenstraat 12")
    page.get_by_label("Postcode").fill("8400")
    # The postcode fills in the province and the city.
    page.wait_for_function("() => document.getElementById('province').value === 'BE-VWV'")
    assert page.get_by_label("Plaats").input_value() == "Oostende"
    page.get_by_label("Telefoon").fill("0470 11 22 33")
    page.get_by_label("E-mailadres").fill("fien@example.be")
    page.get_by_role("checkbox", name="Fiets", exact=True).check()
    page.get_by_label("Werkplekbegeleider").select_option(label="Els Wouters")
    page.get_by_label("Aantal uren per week").fill("24")
    page.get_by_label("maandag").check()
    page.get_by_label("donderdag").check()
    page.get_by_label("Alternerend").check()


def test_invite_activate_request_find_invite_accept_and_lock(page, new_page, live, campaigns):
    school_email, service_email = "coordinator@vti-brugge.be", "planning@thuiszorg-kust.be"

    # The admin invites a school and a service.
    login(page, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    page.get_by_role("link", name="Organisaties").click()
    invite_in_browser(page, "School", "VTI Brugge", school_email, "8000")
    invite_in_browser(page, "Dienst", "Thuiszorg Kust", service_email, "8400")

    # Each opens the link of the mail the SMTP server caught and chooses a password.
    school = new_page()
    activate_from_mail(school, live, school_email, "school")
    service = new_page()
    activate_from_mail(service, live, service_email, "service")

    # The school enters its supervisor first, then the pupil.
    school.get_by_role("navigation").get_by_role("link", name="Werkplekbegeleiders").click()
    school.get_by_role("button", name="Werkplekbegeleider toevoegen").click()
    school.get_by_label("Voornaam").fill("Els")
    school.get_by_label("Achternaam").fill("Wouters")
    school.get_by_label("Telefoon").fill("050 12 34 56")
    school.get_by_label("E-mailadres").fill("els.wouters@vti-brugge.be")
    school.get_by_role("button", name="Opslaan").click()
    school.get_by_role("status").filter(has_text="Els Wouters is opgeslagen").wait_for()
    school.get_by_role("navigation").get_by_role("link", name="Nieuwe aanvraag").click()
    school.get_by_role("heading", name="Nieuwe aanvraag").wait_for()
    fill_request(school, "Fien", "Verhaeghe")
    school.get_by_role("button", name="Opslaan en sluiten").click()
    school.wait_for_url("**/school/requests")
    row = school.get_by_role("row").filter(has_text="Verhaeghe Fien")
    row.wait_for()

    # The service finds the pupil near its own postcode and invites.
    service.get_by_role("button", name="Filters").click()  # folded until asked for
    service.get_by_label("Afstand vanaf postcode").fill("8400")
    service.get_by_label("Maximale afstand (km)").fill("15")
    service.get_by_role("button", name="Toepassen").click()
    found = service.get_by_role("row").filter(has_text="Fien Verhaeghe")
    found.wait_for()
    assert "0 km" in found.inner_text()
    found.get_by_role("link", name="Fien Verhaeghe").click()
    service.get_by_role("heading", name="Fien Verhaeghe").wait_for()
    service.get_by_role("button", name="Uitnodigen voor een gesprek").click()
    service.get_by_role("status").filter(has_text="is uitgenodigd").wait_for()

    # The school's open overview shows the invitation without a reload (live update).
    row.filter(has_text="Uitgenodigd door Thuiszorg Kust").wait_for()

    # The service accepts in the dialog, with notes and a contact person.
    service.get_by_role("button", name="Aanvaarden").click()
    dialog = service.get_by_role("dialog", name="Fien Verhaeghe aanvaarden")
    dialog.get_by_role("button", name="Aanvaarden").click()
    # Nothing filled in: the errors sit at their fields, each named in the dialog's summary.
    assert dialog.locator("#notes-error").inner_text() == "Vul de notities voor de school in."
    assert dialog.get_by_role("alert").get_by_role("link").all_inner_texts() == [
        "Vul de notities voor de school in.",
        "Vul de naam van de contactpersoon in.",
        "Vul het telefoonnummer van de contactpersoon in.",
        "Vul het e-mailadres van de contactpersoon in.",
    ]
    dialog.get_by_label("Notities voor de school").fill("Start op maandag 8u30 aan het onthaal.")
    dialog.get_by_label("Naam contactpersoon").fill("Mieke Janssens")
    dialog.get_by_label("Telefoon contactpersoon").fill("059 12 34 56")
    dialog.get_by_label("E-mail contactpersoon").fill("mieke@thuiszorg-kust.be")
    dialog.get_by_role("button", name="Aanvaarden").click()
    service.get_by_role("status").filter(has_text="Fien Verhaeghe is aanvaard").wait_for()
    service.get_by_text("Aanvaard door jouw dienst").first.wait_for()
    # The accepting service now sees the pupil's contact data.
    service.get_by_text("fien@example.be").wait_for()

    # The school sees "aanvaard" with the service's name, notes and contact person.
    row.filter(has_text="Aanvaard door Thuiszorg Kust").wait_for()
    assert "Start op maandag 8u30" in row.inner_text()
    assert "Mieke Janssens" in row.inner_text()
    row.get_by_role("link", name="Verhaeghe Fien").click()
    school.get_by_role("heading", name="Fien Verhaeghe").wait_for()
    assert school.get_by_text("De gegevens kunnen niet meer veranderd worden").is_visible()
    # Read-only: no inputs, no save or delete.
    assert school.locator("main input, main select, main textarea").count() == 0
    assert school.get_by_role("button", name="Leerling verwijderen").count() == 0
    assert school.get_by_role("button", name="Opslaan en sluiten").count() == 0
    assert school.get_by_text("Vlaanderenstraat 12").is_visible()
    school.get_by_role("heading", name="Geschiedenis").wait_for()
    assert "Aanvaard · Thuiszorg Kust" in school.locator("main").inner_text()

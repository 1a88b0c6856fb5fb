"""Issue 16, point 4: the accepting service and the school download the placement agreement
(PDF) from the pupil's page; another service is offered none. The downloaded file's text is
read back."""

from pathlib import Path

import pytest
from pypdf import PdfReader

from backend.reference.national_number import format_national_number
from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser


def _text(download) -> str:
    reader = PdfReader(Path(download.path()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_service_and_the_school_download_the_agreement(page, new_page, live, campaigns):
    school, school_client, supervisor = school_with_supervisor(live, "Sint-Lodewijk Brugge", "8000")
    pupil = enter_request(school_client, supervisor, first_name="Zoë", last_name="Çelik")
    winner = live.activated("service", "Thuiszorg Damme", "8340")
    other = live.activated("service", "Thuishulp Jabbeke", "8490")
    clients = {s["name"]: live.client_for(s["email"]) for s in (winner, other)}
    for client in clients.values():
        client.post(f"/placement-requests/{pupil['id']}/invitations").raise_for_status()
    clients["Thuiszorg Damme"].post(
        f"/placement-requests/{pupil['id']}/acceptance",
        json={
            "notes": "Start na de krokusvakantie.",
            "contact_person": {"name": "Ilse Maes", "phone": "050 20 30 40", "email": "i@d.be"},
        },
    ).raise_for_status()
    number = format_national_number(pupil["national_number"])

    # The accepting service, on the pupil's page.
    login(page, winner["email"], role="service")
    page.goto(f"/service/requests/{pupil['id']}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Overeenkomst (PDF)").click()
    assert download.value.suggested_filename == "overeenkomst-zoe-celik.pdf"
    text = _text(download.value)
    assert "Zoë Çelik" in text and number in text
    assert "Sint-Lodewijk Brugge" in text and "Ilse Maes" in text and "Handtekeningen" in text

    # The school, on its pupil's page, in English when the page is shown in English.
    school_page = new_page()
    login(school_page, school["email"], role="school")
    school_page.goto(f"/school/requests/{pupil['id']}")
    school_page.get_by_role("button", name="English").click()
    with school_page.expect_download() as download:
        school_page.get_by_role("button", name="Agreement (PDF)").click()
    assert download.value.suggested_filename == "agreement-zoe-celik.pdf"
    text = _text(download.value)
    assert "Placement agreement in family care" in text and number in text
    assert "Thuiszorg Damme" in text

    # The other service that invited sees the pupil placed elsewhere, and no agreement.
    other_page = new_page()
    login(other_page, other["email"], role="service")
    other_page.goto(f"/service/requests/{pupil['id']}")
    other_page.get_by_role("heading", name="Zoë Çelik").wait_for()
    assert other_page.get_by_role("button", name="Overeenkomst (PDF)").count() == 0
    for client in [*clients.values(), school_client]:
        client.close()

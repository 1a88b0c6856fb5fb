"""The school sees on its pupil's page who was given the pupil's personal fields, and
downloads the pupil's record."""

from datetime import datetime
from pathlib import Path

import pytest

from backend.clock import BRUSSELS
from tests.browser.conftest import enter_request, login, school_with_supervisor

pytestmark = pytest.mark.browser

MONTHS = (
    *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
    *("september", "oktober", "november", "december"),
)


def test_the_school_sees_who_read_its_pupil_and_downloads_the_record(page, live, campaigns):
    school, client, supervisor = school_with_supervisor(live, "Sint-Jozef Brugge", "8000")
    created = enter_request(client, supervisor, first_name="Nora")
    service = live.activated("service", "Thuiszorg Oostende", "8400")
    service_client = live.client_for(service["email"])
    answer = service_client.post(f"/placement-requests/{created['id']}/invitations")
    assert answer.status_code in (200, 201), answer.text
    answer = service_client.post(
        f"/placement-requests/{created['id']}/acceptance",
        json={
            "notes": "Welkom.",
            "contact_person": {"name": "Jan", "phone": "059 12 34 56", "email": "jan@example.be"},
        },
    )
    assert answer.status_code == 200, answer.text
    assert service_client.get(f"/placement-requests/{created['id']}").status_code == 200

    login(page, school["email"], role="school")
    page.goto(f"/school/requests/{created['id']}")
    today = datetime.now(BRUSSELS)
    sentence = (
        "Rijksregisternummer, telefoon, e-mailadres en straat gezien door Thuiszorg Oostende, "
        f"{today.day} {MONTHS[today.month - 1]}, in Stagematch (2 keer)"
    )
    page.locator(".history li").filter(has_text=sentence).wait_for()

    with page.expect_download() as download:
        page.get_by_role("button", name="Dossier downloaden").click()
    record = download.value
    assert record.suggested_filename.startswith("dossier-nora")
    text = Path(record.path()).read_text(encoding="utf-8")
    assert "Dossier van Nora" in text and "gezien door Thuiszorg Oostende" in text
    service_client.close()
    client.close()

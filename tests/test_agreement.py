"""Issue 16, point 4: the placement agreement. Once a pupil is accepted, the accepting service
and the school download it as PDF (Dutch, or English for an English-speaking user), filled in
with the pupil and its national number, the school and its supervisor, the service and its
contact person, the placement and places to sign. Any other service gets 404, as for a
request that does not exist; the admin only with a reason. Each download is audited, and a
disclosure on the pupil's page; the admin edits the agreement's text without a code change.
The tests read the PDF's text back."""

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from backend import crypto
from backend.admin.retention import purge_campaign
from backend.audit.models import AuditEntry
from backend.campaigns.models import Campaign
from backend.placements.files.agreement import printable
from backend.placements.models import RequestEvent
from backend.reference.national_number import format_national_number
from backend.texts import service as texts
from tests.services_helpers import (
    ACCEPT_BODY,
    a_request,
    accept,
    close,
    invite,
    path,
    release,
    service_clients,
)

API = "/api/v1"
MISSING = "00000000-0000-4000-8000-000000000000"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


async def _accepted(app, sessionmaker, db, school_client, **kw):
    """A pupil of `school_client` invited by two services, accepted by the first."""
    accepter, other = await service_clients(app, sessionmaker, 2)
    setup = await a_request(db, school_client.account.organisation_id, **kw)
    await invite(accepter, setup.id)
    await invite(other, setup.id)
    assert (await accept(accepter, setup.id)).status_code == 200
    return setup, accepter, other


async def _disclosures(db, request_id) -> list[dict]:
    events = await db.scalars(
        select(RequestEvent).where(
            RequestEvent.request_id == request_id, RequestEvent.kind == "disclosed"
        )
    )
    return [e.details for e in events]


async def test_the_accepting_service_downloads_the_filled_in_agreement(
    app, sessionmaker, db, school_client
):
    setup, accepter, other = await _accepted(
        app,
        sessionmaker,
        db,
        school_client,
        first_name="Ünal",
        last_name="Çelik",
        start_date=date(2027, 2, 1),
        end_date=date(2027, 6, 30),
        days=["mon", "tue"],
        form="block",
        hours_per_week=16,
    )
    try:
        detail = (await accepter.get(path(setup.id))).json()
        assert detail["agreement_url"] == f"{API}/placement-requests/{setup.id}/agreement"

        response = await accepter.get(detail["agreement_url"])
        text = pdf_text(response)
        assert response.headers["cache-control"] == "no-store"
        assert (
            response.headers["content-disposition"]
            == 'attachment; filename="overeenkomst-unal-celik.pdf"'
        )
        number = crypto.decrypt(setup.request.national_number_encrypted)
        assert "Ünal Çelik" in text
        assert format_national_number(number) in text
        supervisor = setup.supervisor
        for expected in (
            "Overeenkomst voor een werkplek in de gezinszorg",
            "Rijksregisternummer",
            school_client.account.name,
            f"{supervisor.first_name} {supervisor.last_name}",
            accepter.account.name,
            ACCEPT_BODY["contact_person"]["name"],
            ACCEPT_BODY["contact_person"]["email"],
            "van 1 februari 2027 tot 30 juni 2027",
            "maandag en dinsdag",
            "Blok",
            "Duaal leren",
            setup.campaign.school_year,
            "Kerkstraat",
            "Handtekeningen",
            "Voor de school",
            "Voor de dienst",
            "De leerling of een ouder",
        ):
            assert expected in text, expected
        # The default text of the agreement, filled in: no placeholder left.
        assert "Afspraken" in text and f"{accepter.account.name} biedt Ünal Çelik" in text
        assert "{" not in text

        # Audited, and told to the school as a disclosure through the agreement.
        entry = await db.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "agreement_downloaded",
                AuditEntry.object_id == setup.id,
            )
        )
        assert entry is not None and entry.actor_organisation_id == accepter.account.organisation_id
        [told] = [d for d in await _disclosures(db, setup.request.id) if d["via"] == "agreement"]
        assert told["fields"] == ["national_number", "phone", "email", "street"]
        assert told["organisation"]["name"] == accepter.account.name
        history = await school_client.get(path(setup.id, "history"))
        assert any(
            e["kind"] == "disclosed" and e["details"]["via"] == "agreement"
            for e in history.json()["items"]
        )
    finally:
        await close(accepter, other)


async def test_the_school_downloads_it_in_its_users_language(app, sessionmaker, db, school_client):
    setup, accepter, other = await _accepted(
        app, sessionmaker, db, school_client, first_name="Zoë", track="stage", form=None
    )
    try:
        detail = (await school_client.get(path(setup.id))).json()
        assert detail["agreement_url"].endswith(f"/{setup.id}/agreement")
        dutch = pdf_text(await school_client.get(detail["agreement_url"]))
        assert "Zoë Janssens" in dutch and "Stage 7e jaar" in dutch
        assert "Vorm" not in dutch  # the form of dual learning: duaal only

        assert (await school_client.patch(f"{API}/me", json={"language": "en"})).status_code == 200
        response = await school_client.get(detail["agreement_url"])
        english = pdf_text(response)
        assert 'filename="agreement-zoe-janssens.pdf"' in response.headers["content-disposition"]
        assert "Placement agreement in family care" in english
        assert "National register number" in english and "7th-year internship" in english
        assert "Signatures" in english and "What we agree" in english
        number = crypto.decrypt(setup.request.national_number_encrypted)
        assert format_national_number(number) in english
        # `lang` overrides the user's language (the client passes the shown one).
        asked = pdf_text(await school_client.get(detail["agreement_url"], params={"lang": "nl"}))
        assert "Handtekeningen" in asked

        # The school's own downloads are audited, but disclose nothing to anyone.
        entries = (
            await db.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "agreement_downloaded",
                    AuditEntry.object_id == setup.id,
                )
            )
        ).all()
        assert [e.details["language"] for e in entries] == ["nl", "en", "nl"]
        assert not [d for d in await _disclosures(db, setup.request.id) if d["via"] == "agreement"]
    finally:
        await close(accepter, other)


async def test_any_other_service_or_school_gets_404_as_for_a_missing_request(
    app, sessionmaker, db, school_client, other_school_client, service_client
):
    setup, accepter, other = await _accepted(app, sessionmaker, db, school_client)
    try:
        missing = await accepter.get(path(MISSING, "agreement"))
        assert missing.status_code == 404
        url = path(setup.id, "agreement")
        # `other` invited the pupil (and reads the request), `service_client` never did.
        for client in (other, service_client, other_school_client):
            refused = await client.get(url)
            assert refused.status_code == 404, client.account.name
            assert refused.json() == missing.json()
            if client is not other_school_client:
                assert "agreement_url" not in (await client.get(path(setup.id))).json()

        # A service that released the pupil has no agreement any more; the school has none yet.
        assert (await release(accepter, setup.id)).status_code == 200
        assert (await accepter.get(url)).status_code == 404
        assert "agreement_url" not in (await school_client.get(path(setup.id))).json()
        early = await school_client.get(url)
        assert early.status_code == 409 and early.json()["code"] == "no_agreement"
        assert not await db.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "agreement_downloaded", AuditEntry.object_id == setup.id
            )
        )
    finally:
        await close(accepter, other)


async def test_the_admin_reads_it_only_with_a_reason(app, sessionmaker, db, school_client):
    setup, accepter, other = await _accepted(app, sessionmaker, db, school_client)
    [admin] = [await _admin(app, sessionmaker)]
    try:
        url = path(setup.id, "agreement")
        assert "agreement_url" not in (await admin.get(path(setup.id))).json()
        refused = await admin.get(url)
        assert refused.status_code == 422 and refused.json()["code"] == "reason_required"
        short = await admin.get(url, params={"reason": "x"})
        assert short.status_code == 422

        reason = "Vraag van de verzekeraar over de overeenkomst"
        text = pdf_text(await admin.get(url, params={"reason": reason}))
        number = crypto.decrypt(setup.request.national_number_encrypted)
        assert format_national_number(number) in text
        entry = await db.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "agreement_downloaded", AuditEntry.object_id == setup.id
            )
        )
        assert entry is not None and entry.details["reason"] == reason
        [told] = [d for d in await _disclosures(db, setup.request.id) if d["via"] == "agreement"]
        assert told["reason"] == reason

        # Not accepted (any more): no agreement for the admin either.
        assert (await release(accepter, setup.id)).status_code == 200
        gone = await admin.get(url, params={"reason": reason})
        assert gone.status_code == 409 and gone.json()["code"] == "no_agreement"
    finally:
        await close(accepter, other, admin)


async def _admin(app, sessionmaker):
    from tests.conftest import _role_client

    return await _role_client(app, sessionmaker, "admin")


async def test_the_admin_changes_the_agreements_text(
    app, sessionmaker, db, school_client, admin_client, client
):
    setup, accepter, other = await _accepted(
        app, sessionmaker, db, school_client, first_name="Ünal"
    )
    url = f"{API}/admin/texts/agreement"
    try:
        source = (await admin_client.get(url, params={"lang": "nl"})).json()
        assert source["is_default"] and "{pupil_name}" in source["body"]
        assert set(source["placeholders"]) == set(texts.AGREEMENT_PLACEHOLDERS)

        for wrong, unknown in (
            ("Welkom {pupil_name.__class__}", ["pupil_name.__class__"]),
            ("Welkom {0} en {bogus}", ["0", "bogus"]),
            ("Dag {support_email}", ["support_email"]),
        ):
            refused = await admin_client.put(url, params={"lang": "nl"}, json={"body": wrong})
            assert refused.status_code == 422 and refused.json()["code"] == (
                "text_placeholder_unknown"
            )
            assert refused.json()["unknown"] == unknown

        new = (
            "## Onze eigen afspraken\n\n"
            "{pupil_name} ({national_number}) werkt bij {service_name} op {days}.\n\n"
            "- Contact: {contact_name}"
        )
        saved = await admin_client.put(url, params={"lang": "nl"}, json={"body": new})
        assert saved.status_code == 200, saved.text

        text = pdf_text(await accepter.get(path(setup.id, "agreement")))
        number = format_national_number(crypto.decrypt(setup.request.national_number_encrypted))
        assert "Onze eigen afspraken" in text and "Afspraken\n" not in text
        assert f"Ünal Janssens ({number}) werkt bij {accepter.account.name}" in text
        assert f"Contact: {ACCEPT_BODY['contact_person']['name']}" in text
        # The parties and the places to sign are Stagematch's own, whatever the text.
        assert "Rijksregisternummer" in text and "Handtekeningen" in text
        # English keeps its default; the agreement's text is no public page.
        english = pdf_text(await accepter.get(path(setup.id, "agreement"), params={"lang": "en"}))
        assert "What we agree" in english
        assert (await client.get(f"{API}/texts/agreement")).status_code == 422

        assert (await admin_client.delete(url, params={"lang": "nl"})).status_code == 200
        assert "Afspraken" in pdf_text(await accepter.get(path(setup.id, "agreement")))
    finally:
        await close(accepter, other)


async def test_every_placeholder_is_filled_in(app, sessionmaker, db, school_client, admin_client):
    setup, accepter, other = await _accepted(
        app, sessionmaker, db, school_client, start_date=date(2027, 2, 1), end_date=date(2027, 3, 1)
    )
    try:
        every = "\n\n".join(f"{name}={{{name}}}" for name in texts.AGREEMENT_PLACEHOLDERS)
        url = f"{API}/admin/texts/agreement"
        saved = await admin_client.put(url, params={"lang": "en"}, json={"body": every})
        assert saved.status_code == 200, saved.text
        text = pdf_text(await accepter.get(path(setup.id, "agreement"), params={"lang": "en"}))
        assert "{" not in text
        number = crypto.decrypt(setup.request.national_number_encrypted)
        born = f"20{number[:2]}-{number[2:4]}-{number[4:6]}"
        day = date.fromisoformat(born)
        assert f"birth_date={day.day} {day.strftime('%B')} {day.year}" in text
        assert "start_date=1 February 2027" in text and "form=Alternating" in text
        assert "pupil_phone=0470 12 34 56" in text
    finally:
        await close(accepter, other)


def test_values_are_filled_in_as_plain_text_never_as_markup_or_placeholders():
    blocks = texts.fill(
        "Hallo {pupil_name}.\n\n- {school_name}",
        {"pupil_name": "{national_number}\n## Kop [x](https://evil.example)", "school_name": "S"},
    )
    assert [b.kind for b in blocks] == ["paragraph", "list"]
    [span] = blocks[0].spans
    assert span.text == "Hallo {national_number}\n## Kop [x](https://evil.example)."
    assert span.href is None


def test_names_in_any_alphabet_are_printable():
    assert printable("Ünal Çelik, Zoë, Šárka Žižková, Œdipe") == (
        "Ünal Çelik, Zoë, Šárka Žižková, Œdipe"
    )
    assert printable("Łukasz Đurić Nguyễn Ağaoğlu") == "Lukasz Duric Nguyen Agaoglu"
    assert printable("李\u0007x") == "? x"


async def test_an_erased_pupil_has_no_agreement(app, sessionmaker, db, school_client, admin_client):
    """After the campaign's erasure (retention) the accepted pupil names nobody and its
    national number is gone: no agreement, no link to it; never a 500."""
    setup, accepter, other = await _accepted(app, sessionmaker, db, school_client)
    try:
        async with sessionmaker() as session:
            campaign = await session.get(Campaign, setup.campaign.id)
            await purge_campaign(session, campaign, 100)
        url = path(setup.id, "agreement")
        assert (await accepter.get(url)).status_code == 404
        for client, params in ((school_client, {}), (admin_client, {"reason": "Vraag van X"})):
            refused = await client.get(url, params=params)
            assert refused.status_code == 409 and refused.json()["code"] == "no_agreement"
        for client in (accepter, school_client):
            assert "agreement_url" not in (await client.get(path(setup.id))).json()
    finally:
        await close(accepter, other)

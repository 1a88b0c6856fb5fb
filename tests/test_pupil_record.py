"""The school's record of one pupil (the access a parent may ask for): the request, its
history with the disclosures, the mails about the pupil without links; as JSON and as a
Dutch, escaped, script-free page. Only for the pupil's own school."""

import re

from backend import crypto
from tests.services_helpers import a_request, accept, close, invite, path, service_clients

HOSTILE = '<script>alert("x")</script> & <b>vet</b>'


async def _accepted_and_read(app, sessionmaker, db, school_client, **kw):
    [service] = await service_clients(app, sessionmaker, 1)
    setup = await a_request(db, school_client.account.organisation_id, **kw)
    await invite(service, setup.id)
    assert (await accept(service, setup.id)).status_code == 200
    assert (await service.get(path(setup.id))).status_code == 200
    return setup, service


async def test_the_json_record_holds_the_request_the_disclosures_and_the_mails(
    app, sessionmaker, db, school_client
):
    setup, service = await _accepted_and_read(app, sessionmaker, db, school_client)
    other = await a_request(db, school_client.account.organisation_id)  # another pupil
    await invite(service, other.id)
    try:
        response = await school_client.get(path(setup.id, "record"))
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        assert "attachment" in response.headers["content-disposition"]
        record = response.json()
        request = record["request"]
        assert request["id"] == setup.id
        assert request["national_number"] == crypto.decrypt(setup.request.national_number_encrypted)
        assert request["acceptance"]["service"]["name"] == service.account.name

        kinds = [e["kind"] for e in record["history"]]
        assert kinds[:2] == ["invited", "accepted"] and "disclosed" in kinds
        [disclosed] = [e for e in record["history"] if e["kind"] == "disclosed"]
        assert disclosed["details"]["count"] == 2  # the acceptance's answer and the read

        templates = sorted(m["subject"] for m in record["mails"])
        assert len(templates) == 2  # invited, accepted: this pupil's, not the other's
        assert all(setup.request.first_name in m["subject"] for m in record["mails"])
        for mail in record["mails"]:
            assert mail["to"] == school_client.account.email
            assert "http" not in mail["body"] and "[link]" in mail["body"]
            assert set(mail) == {"created_at", "sent_at", "to", "subject", "body"}
    finally:
        await close(service)


async def test_the_html_record_is_dutch_escaped_and_without_scripts(
    app, sessionmaker, db, school_client
):
    setup, service = await _accepted_and_read(
        app, sessionmaker, db, school_client, first_name=HOSTILE, remarks=HOSTILE
    )
    try:
        response = await school_client.get(path(setup.id, "record"), params={"format": "html"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        page = response.text
        assert '<html lang="nl">' in page
        assert "Dossier van" in page and "Geschiedenis" in page and "Mails over de leerling" in page
        assert "Rijksregisternummer, telefoon, e-mailadres en straat gezien door" in page
        assert f"{service.account.name}" in page and "in Stagematch (2 keer)" in page
        assert "<script" not in page.lower()
        assert "&lt;script&gt;" in page and "&lt;b&gt;vet&lt;/b&gt;" in page
        assert not re.search(r"\b(src|href)=", page)  # no outside resource, no link
        assert "http" not in page
    finally:
        await close(service)


async def test_the_record_is_only_for_the_pupils_own_school(
    app, sessionmaker, db, school_client, other_school_client, service_client, admin_client
):
    setup, service = await _accepted_and_read(app, sessionmaker, db, school_client)
    try:
        assert (await other_school_client.get(path(setup.id, "record"))).status_code == 404
        for client in (service, service_client, admin_client):
            refused = await client.get(path(setup.id, "record"))
            assert refused.status_code == 403
            assert refused.json()["code"] == "forbidden"
        missing = await school_client.get(path("00000000-0000-4000-8000-000000000000", "record"))
        assert missing.status_code == 404
        bad = await school_client.get(path(setup.id, "record"), params={"format": "pdf"})
        assert bad.status_code == 422
    finally:
        await close(service)


async def test_a_withdrawn_pupils_record_is_still_the_schools(
    app, sessionmaker, db, school_client, other_school_client
):
    """Withdrawing is the school's delete in its lists, but the pupil's data are held until
    the campaign's retention ends: the parent's access request still gets them."""
    [service] = await service_clients(app, sessionmaker, 1)
    try:
        setup = await a_request(db, school_client.account.organisation_id)
        await invite(service, setup.id)
        assert (await school_client.delete(path(setup.id))).status_code == 204
        assert (await school_client.get(path(setup.id))).status_code == 404

        response = await school_client.get(path(setup.id, "record"))
        assert response.status_code == 200, response.text
        record = response.json()
        assert record["request"]["status"] == "withdrawn"
        assert [e["kind"] for e in record["history"]][-1] == "withdrawn"
        assert (await other_school_client.get(path(setup.id, "record"))).status_code == 404
    finally:
        await close(service)

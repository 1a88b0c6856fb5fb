"""The public texts (privacy and accessibility statements): a default per language, which
the admin replaces without a code change; parsed into blocks, never HTML; checked; audited."""

from sqlalchemy import select

from backend.audit.models import AuditEntry

API = "/api/v1"


def _text(body: dict) -> str:
    """Every span's text of a parsed text, as one string."""
    spans = [s for b in body["blocks"] for s in b["spans"] + [x for i in b["items"] for x in i]]
    return "".join(s["text"] for s in spans)


def _links(body: dict) -> set[str]:
    spans = [s for b in body["blocks"] for s in b["spans"] + [x for i in b["items"] for x in i]]
    return {s["href"] for s in spans if s["href"]}


async def test_the_default_texts_are_public_filled_in_and_in_both_languages(client, settings):
    nl = await client.get(f"{API}/texts/privacy", params={"lang": "nl"})
    assert nl.status_code == 200, nl.text
    body = nl.json()
    assert body["is_default"] is True and body["language"] == "nl"
    assert body["blocks"][0]["kind"] == "heading"
    assert any(b["kind"] == "list" for b in body["blocks"])
    text = _text(body)
    assert f"{settings.retention_months} maanden" in text
    assert settings.support_hours in text
    assert "{" not in text  # every placeholder filled
    assert f"mailto:{settings.support_email}" in _links(body)
    assert "tel:022503777" in _links(body)

    en = (await client.get(f"{API}/texts/privacy", params={"lang": "en"})).json()
    assert f"{settings.retention_months} months" in _text(en)
    assert settings.support_hours_en in _text(en)

    accessibility = (await client.get(f"{API}/texts/accessibility", params={"lang": "nl"})).json()
    assert "WCAG 2.1" in _text(accessibility) and "gedeeltelijk" in _text(accessibility)
    assert (await client.get(f"{API}/texts/cookies")).status_code == 422
    assert (await client.get(f"{API}/texts/privacy", params={"lang": "fr"})).status_code == 422


async def test_the_config_gives_the_helpline_in_both_languages(client, settings):
    config = (await client.get(f"{API}/config")).json()
    assert config["support_phone"] == settings.support_phone
    assert config["support_hours"] == settings.support_hours
    assert config["support_hours_en"] == settings.support_hours_en


async def test_the_admin_replaces_a_text_audited_and_goes_back_to_the_default(
    admin_client, client, db
):
    new = (
        "## Kort\n\nWe bewaren {retention_months} maanden. Mail {support_email}.\n\n"
        "- een\n- twee\n\n[Meer](https://example.be/meer) of [hier](/accessibility)"
    )
    saved = await admin_client.put(
        f"{API}/admin/texts/privacy", params={"lang": "nl"}, json={"body": new}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["is_default"] is False and saved.json()["body"] == new

    shown = (await client.get(f"{API}/texts/privacy", params={"lang": "nl"})).json()
    assert shown["is_default"] is False and shown["updated_at"]
    assert [b["kind"] for b in shown["blocks"]] == ["heading", "paragraph", "list", "paragraph"]
    assert _text(shown).startswith("KortWe bewaren 18 maanden.")
    assert {"https://example.be/meer", "/accessibility"} <= _links(shown)
    # The other language keeps its default.
    assert (await client.get(f"{API}/texts/privacy", params={"lang": "en"})).json()["is_default"]

    entries = (await db.scalars(select(AuditEntry).where(AuditEntry.action.like("text_%")))).all()
    assert [(e.action, e.object_id, e.details) for e in entries] == [
        ("text_changed", "privacy.nl", {"length": len(new)})
    ]
    assert entries[0].actor_user_id == admin_client.account.user_id

    reset = await admin_client.delete(f"{API}/admin/texts/privacy", params={"lang": "nl"})
    assert reset.status_code == 200 and reset.json()["is_default"] is True
    assert reset.json()["body"] == reset.json()["default_body"]
    assert (await client.get(f"{API}/texts/privacy", params={"lang": "nl"})).json()["is_default"]
    actions = (
        await db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("text_%")))
    ).all()
    assert sorted(actions) == ["text_changed", "text_reset"]


async def test_a_text_is_checked_and_never_becomes_html(admin_client, client):
    url = f"{API}/admin/texts/accessibility"
    too_long = await admin_client.put(url, params={"lang": "en"}, json={"body": "x" * 20_001})
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"
    assert too_long.json()["code"] == "text_too_long"

    unknown = await admin_client.put(
        url, params={"lang": "en"}, json={"body": "Call {support_phone} or {director_name}."}
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "text_placeholder_unknown"
    assert unknown.json()["unknown"] == ["director_name"]

    empty = await admin_client.put(url, params={"lang": "en"}, json={"body": "   "})
    assert empty.status_code == 422 and empty.json()["code"] == "validation_error"
    # Nothing refused was stored.
    assert (await client.get(f"{API}/texts/accessibility", params={"lang": "en"})).json()[
        "is_default"
    ]

    hostile = "<script>alert(1)</script> [click](javascript:alert(1)) [x](//evil.example)"
    assert (
        await admin_client.put(url, params={"lang": "en"}, json={"body": hostile})
    ).status_code == 200
    shown = (await client.get(f"{API}/texts/accessibility", params={"lang": "en"})).json()
    assert _links(shown) == set()  # neither link leads anywhere
    assert "<script>alert(1)</script>" in _text(shown)  # plain text, for the client to escape


async def test_only_the_admin_edits_the_texts(school_client, client):
    url = f"{API}/admin/texts/privacy"
    assert (await school_client.put(url, json={"body": "Hallo"})).status_code == 403
    assert (await school_client.get(url)).status_code == 403
    assert (await client.get(url)).status_code == 401

"""Issue 18, point 1: every response of every endpoint is typed in the live OpenAPI document,
so that a client generated from it has a class for each answer: no 2xx answer without a
schema, no free-form object (`additionalProperties: true`, or no properties at all), an enum
for every status, outcome and kind."""

import pytest

METHODS = {"get", "post", "put", "patch", "delete"}
# Members that name one of a fixed set of values.
ENUMERATED = {"status", "outcome", "kind", "role", "phase", "track", "result", "mode"}


@pytest.fixture
async def spec(client) -> dict:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _successes(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    yield f"{method.upper()} {path} {status}", response


def untyped(spec: dict, schema: dict, where: str, seen: set[str]):
    """Every place under `schema` where an answer is not typed."""
    components = spec["components"]["schemas"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from untyped(spec, components[name], f"{where} -> {name}", seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, ()):
            yield from untyped(spec, part, where, seen)
    if schema.get("type") == "array":
        if not schema.get("items"):
            yield f"{where}: an array of anything"
        else:
            yield from untyped(spec, schema["items"], f"{where}[]", seen)
    is_object = schema.get("type") == "object" or (
        not schema
        or (
            "type" not in schema
            and not any(k in schema for k in ("anyOf", "oneOf", "allOf", "enum", "const"))
        )
    )
    if not is_object:
        return
    extra = schema.get("additionalProperties")
    if extra is True or extra == {}:
        yield f"{where}: additionalProperties {extra}"
    if not schema.get("properties") and not isinstance(extra, dict):
        yield f"{where}: an object without properties"
    if isinstance(extra, dict) and extra:
        # A map (province -> counts): its values are typed.
        yield from untyped(spec, extra, f"{where}{{}}", seen)
    for name, member in schema.get("properties", {}).items():
        yield from untyped(spec, member, f"{where}.{name}", seen)
        if name in ENUMERATED and not _enumerated(spec, member):
            yield f"{where}.{name}: no enum"


def _enumerated(spec: dict, schema: dict) -> bool:
    components = spec["components"]["schemas"]
    if "$ref" in schema:
        return _enumerated(spec, components[schema["$ref"].rsplit("/", 1)[-1]])
    if "enum" in schema or "const" in schema:
        return True
    parts = [p for p in schema.get("anyOf", ()) if p.get("type") != "null"]
    if parts:
        return all(_enumerated(spec, p) for p in parts)
    if schema.get("type") == "array":
        return _enumerated(spec, schema.get("items", {}))
    return schema.get("type") == "integer"  # (a problem's `status`)


async def test_every_success_answer_has_a_typed_schema(spec):
    found = []
    for where, response in _successes(spec):
        content = response.get("content")
        if where.endswith(" 204"):
            assert not content, where
            continue
        assert content, f"{where}: no content documented"
        for media_type, body in content.items():
            schema = body.get("schema")
            if not schema:
                found.append(f"{where} {media_type}: no schema")
            elif "json" in media_type:
                found += untyped(spec, schema, f"{where}", set())
            else:
                assert schema.get("type") == "string", f"{where} {media_type}"
    assert found == [], "\n".join(found)


async def test_the_walk_finds_what_is_untyped(spec):
    """The check itself fails on what it must refuse."""
    free = {"type": "object", "additionalProperties": True}
    assert list(untyped(spec, free, "x", set())) == [
        "x: additionalProperties True",
        "x: an object without properties",
    ]
    assert list(untyped(spec, {}, "x", set())) == ["x: an object without properties"]
    listed = {"type": "array", "items": {"type": "object"}}
    assert list(untyped(spec, listed, "x", set())) == ["x[]: an object without properties"]
    loose = {"type": "object", "properties": {"status": {"type": "string"}}}
    assert list(untyped(spec, loose, "x", set())) == ["x.status: no enum"]


async def test_history_kinds_and_request_statuses_are_enumerations(spec):
    schemas = spec["components"]["schemas"]
    kind = schemas["HistoryEvent"]["properties"]["kind"]
    assert {"created", "updated", "invited", "accepted", "withdrawn", "disclosed"} <= set(
        kind["enum"]
    )
    assert schemas["RequestRead"]["properties"]["status"]["$ref"].endswith("/RequestStatus")
    assert "withdrawn" in schemas["RequestStatus"]["enum"]
    read = schemas["RequestRead"]
    # Fields some viewers do not get are optional; a generated client's model forbids extras.
    assert {"national_number", "phone", "email", "acceptance"}.isdisjoint(read["required"])
    assert read["additionalProperties"] is False


async def test_the_audit_log_answers_its_nested_details_as_typed(admin_client, school_client, db):
    """An audit line's details are JSON of any depth (a campaign's changes: field, from, to);
    the typed answer holds them all."""
    from datetime import timedelta

    from tests import factories

    campaign = await factories.campaign(db, "duaal")
    await db.commit()
    moved = (campaign.request_deadline + timedelta(days=1)).isoformat()
    edit = await admin_client.patch(
        f"/api/v1/campaigns/{campaign.id}", json={"request_deadline": moved}
    )
    assert edit.status_code == 200, edit.text
    school = school_client.account.organisation_id
    renamed = await admin_client.patch(
        f"/api/v1/organisations/{school}", json={"name": "Nieuwe naam", "provinces": []}
    )
    assert renamed.status_code == 200, renamed.text
    audit = await admin_client.get("/api/v1/admin/audit", params={"page_size": 50})
    assert audit.status_code == 200, audit.text
    details = {a["action"]: a["details"] for a in audit.json()["items"]}
    move = details["campaign_updated"]["changes"]["request_deadline"]
    assert set(move) == {"from", "to"} and move["to"]
    assert "organisation_updated" in details, details

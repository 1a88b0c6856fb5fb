"""Issue 18: an unknown query parameter answers 422 `unknown_parameter` naming it, on every
operation, instead of being silently ignored (a misspelt filter would list everything)."""

from tests.schools_helpers import REQUESTS, ready

METHODS = {"get", "post", "put", "patch", "delete"}


def _unknown(response, *names: str) -> None:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "unknown_parameter"
    assert [e["field"] for e in problem["errors"]] == list(names)
    assert {e["code"] for e in problem["errors"]} == {"unknown_parameter"}


async def test_a_misspelt_filter_is_refused_not_ignored(school_client, db):
    await ready(db, school_client.account.organisation_id)
    _unknown(await school_client.get(REQUESTS, params={"stauts": "open"}), "stauts")
    _unknown(await school_client.get(REQUESTS, params={"zz": "1", "aa": "2", "q": "x"}), "aa", "zz")
    # Every declared parameter, of the model and of the operation, is known.
    fine = await school_client.get(
        REQUESTS,
        params={"status": "open", "q": "x", "page": 1, "page_size": 5, "track": "duaal"},
    )
    assert fine.status_code == 200, fine.text
    assert (await school_client.get(f"{REQUESTS}/summary", params={"track": "duaal"})).is_success
    export = await school_client.get(
        f"{REQUESTS}/export", params={"format": "csv", "lang": "codes", "status": "open"}
    )
    assert export.status_code == 200
    _unknown(await school_client.get(f"{REQUESTS}/export", params={"formaat": "csv"}), "formaat")
    # An operation without query parameters takes none.
    _unknown(await school_client.get("/api/v1/me", params={"x": "1"}), "x")
    _unknown(await school_client.patch("/api/v1/me", params={"x": "1"}, json={}), "x")


async def test_public_operations_and_the_event_stream_refuse_them_too(client):
    login = await client.post(
        "/api/v1/auth/login", params={"debug": "1"}, json={"email": "a@b.be", "password": "x"}
    )
    _unknown(login, "debug")
    _unknown(await client.get("/api/v1/config", params={"v": "2"}), "v")
    _unknown(await client.get("/api/v1/events", params={"token": "x"}), "token")
    # The stream's own parameter is declared: it answers as for a wrong token.
    stream = await client.get("/api/v1/events", params={"access_token": "x"})
    assert stream.status_code == 401


async def test_every_operation_documents_unknown_parameter(client):
    spec = (await client.get("/api/v1/openapi.json")).json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                codes = operation["responses"]["422"]["x-problem-codes"]
                assert "unknown_parameter" in codes, f"{method} {path}"

"""Bad input answers problem+json with a code, never a 500; bodies are parsed strictly."""


async def test_unknown_field_is_refused(admin_client):
    response = await admin_client.post(
        "/api/v1/organisations",
        json={
            "kind": "school",
            "name": "X",
            "email": "x@example.be",
            "postcode": "8000",
            "role": "admin",
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert {"field": "role", "code": "extra_forbidden"}.items() <= body["errors"][0].items()


async def test_validation_errors_name_each_field(admin_client):
    response = await admin_client.post(
        "/api/v1/organisations",
        json={"kind": "castle", "name": "", "email": "not-an-address", "postcode": "80"},
    )
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"kind", "name", "email", "postcode"}


async def test_malformed_json_is_a_problem_not_a_crash(admin_client):
    response = await admin_client.post(
        "/api/v1/organisations", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_unknown_api_path_is_a_404_problem(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_bad_uuid_in_path(admin_client):
    response = await admin_client.get("/api/v1/organisations/not-a-uuid")
    assert response.status_code == 422


async def test_client_is_served_for_other_paths(client):
    response = await client.get("/activate?token=abc")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


async def test_openapi_document_and_swagger_ui(client):
    spec = await client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/auth/login" in spec.json()["paths"]
    assert (await client.get("/api/docs")).status_code == 200


async def test_admin_endpoints_refuse_school_and_service(school_client, service_client):
    for client in (school_client, service_client):
        response = await client.get("/api/v1/organisations")
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"

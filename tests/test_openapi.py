"""The OpenAPI document is worth reading: every operation has a tag described at the top, a
written summary, and documents its errors as problem+json with the codes it can answer."""

import pytest

from backend.errors import PROBLEM_JSON

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
async def spec(client) -> dict:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def codes(response: dict) -> set[str]:
    schema = response["content"][PROBLEM_JSON]["schema"]
    return set(schema["allOf"][1]["properties"]["code"]["enum"])


async def test_the_problem_schema_is_a_component(spec):
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code"}
    assert "FieldProblem" in spec["components"]["schemas"]
    # FastAPI's own validation error is not what the API answers, so it is not documented.
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "HTTPValidationError" not in str(spec)


async def test_every_operation_has_a_described_tag_and_a_written_summary(spec):
    described = {tag["name"] for tag in spec["tags"] if tag.get("description")}
    for method, path, operation in operations(spec):
        assert operation.get("tags"), f"{method} {path}"
        assert set(operation["tags"]) <= described, f"{method} {path}: {operation['tags']}"
        # FastAPI's fallback is the function's name in title case ("Withdraw Invitation").
        fallback = operation["operationId"].split("_api_v1")[0].replace("_", " ").title()
        assert operation["summary"] != fallback, f"{method} {path}: no summary written"


async def test_every_operation_documents_its_errors_as_problems(spec):
    for method, path, operation in operations(spec):
        errors = {s: r for s, r in operation["responses"].items() if s.isdigit() and s >= "400"}
        assert {"500", "503"} <= errors.keys(), f"{method} {path}"
        for response in errors.values():
            content = response["content"]
            assert list(content) == [PROBLEM_JSON], f"{method} {path}"
            assert "#/components/schemas/Problem" in str(content)
        # Any operation refuses a query parameter it does not know (issue 18); one that
        # takes parameters or a body refuses invalid ones.
        assert "unknown_parameter" in codes(errors["422"]), f"{method} {path}"
        if operation.get("parameters") or operation.get("requestBody"):
            assert "validation_error" in codes(errors["422"]), f"{method} {path}"
    imports = spec["paths"]["/api/v1/placement-requests/import"]["post"]["responses"]
    assert {"import_invalid", "import_unreadable"} <= codes(imports["422"])


async def test_private_operations_document_authentication_and_token_errors(spec):
    me = spec["paths"]["/api/v1/me"]
    assert codes(me["get"]["responses"]["401"]) == {"not_authenticated", "token_invalid"}
    assert "read_only_token" not in codes(me["get"]["responses"]["403"])
    assert "read_only_token" in codes(me["patch"]["responses"]["403"])
    password = spec["paths"]["/api/v1/me/password"]["post"]["responses"]["403"]
    assert "session_required" in codes(password)
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert codes(login["401"]) == {"invalid_credentials", "mfa_required", "invalid_code"}
    assert "mfa_use_api_token" in codes(
        spec["paths"]["/api/v1/auth/token"]["post"]["responses"]["403"]
    )
    # An admin without the required second factor reaches who-am-I and the enrolment only.
    assert "mfa_enrollment_required" not in codes(me["get"]["responses"]["403"])
    assert "mfa_enrollment_required" in codes(me["patch"]["responses"]["403"])
    assert "account_not_activated" in codes(login["403"])
    assert codes(login["429"]) == {"rate_limited"}


async def test_api_token_bodies_have_examples(spec):
    create = spec["components"]["schemas"]["ApiTokenCreate"]["properties"]
    assert create["name"]["examples"] and create["read_only"]["examples"]


async def test_each_error_response_has_an_example_per_code(spec):
    disable = spec["paths"]["/api/v1/me/mfa"]["delete"]
    conflict = disable["responses"]["409"]
    assert codes(conflict) == {"mfa_not_enabled", "mfa_required_for_admins"}
    examples = conflict["content"][PROBLEM_JSON]["examples"]
    assert set(examples) == codes(conflict) == set(conflict["x-problem-codes"])
    assert examples["mfa_not_enabled"]["value"]["status"] == 409


async def test_the_document_lists_every_code_with_its_status(spec):
    catalogue = spec["x-problem-types"]
    assert catalogue["phase_closed"] == {
        "status": 409,
        "title": "The campaign's deadline has passed",
    }
    assert catalogue["method_not_allowed"]["anywhere"] is True
    documented = {
        code
        for _, _, operation in operations(spec)
        for status, response in operation["responses"].items()
        if status >= "400"
        for code in response["x-problem-codes"]
    }
    assert documented <= set(catalogue)


async def test_the_event_stream_documents_its_own_authentication(spec):
    # It authenticates itself (the token may come in the URL), not through a dependency.
    stream = spec["paths"]["/api/v1/events"]["get"]["responses"]
    assert codes(stream["401"]) == {"not_authenticated", "token_invalid"}
    assert "mfa_enrollment_required" in codes(stream["403"])

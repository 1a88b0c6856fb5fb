"""schemathesis against the OpenAPI document of a live server: no 500, no response that
breaks its own schema, for every operation and every role."""

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.conftest import IS_POSTGRES, ROOT, TEST_DATABASE_URL, fresh_database
from tests.live_server import LiveServer, run_cli, server_env

# No 500, and every response (status code, content type, body) as the document says.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
DEMO_PASSWORD = "Demo-Wachtwoord-2026"
LOGINS = {
    "admin": "admin@stagematch.example.be",
    "school": "school.brugge@example.be",
    "service": "dienst.oostende@example.be",
}


@pytest.fixture(scope="module")
def live():
    url = f"{TEST_DATABASE_URL}_fuzz" if IS_POSTGRES else f"sqlite:///{ROOT / 'var' / 'fuzz.db'}"
    fresh_database(url)
    env = server_env(
        url,
        ENVIRONMENT="development",
        LOGIN_ATTEMPTS_PER_ACCOUNT="100000",
        LOGIN_ATTEMPTS_PER_ACCOUNT_ADDRESS="100000",
        LOGIN_ATTEMPTS_PER_ADDRESS="100000",
        MAIL_REQUESTS_PER_ACCOUNT="100000",
        MAIL_REQUESTS_PER_ADDRESS="100000",
    )
    run_cli(env, "migrate")
    run_cli(env, "seed-demo")
    server = LiveServer(env).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tokens(live):
    found = {}
    for role, email in LOGINS.items():
        response = httpx.post(
            f"{live.url}/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, response.text
        found[role] = response.json()["access_token"]
    return found


def test_no_server_error_and_responses_match_the_schema(live, tokens):
    api = schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")
    failures = []
    tested = 0
    for result in api.get_all_operations():
        operation = result.ok()
        if operation.path.endswith(("/auth/logout", "/me/password", "/events")):
            # These end the session the other cases use, or stream forever; each has
            # its own tests.
            continue
        tested += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            for token in tokens.values():
                case.call_and_validate(
                    base_url=live.url,
                    timeout=10,
                    checks=CHECKS,
                    headers={"Authorization": f"Bearer {token}"},
                )

        try:
            check()
        except Exception as exc:  # collect all operations' failures, then report them
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert tested >= 15
    assert not failures, "\n\n".join(failures)

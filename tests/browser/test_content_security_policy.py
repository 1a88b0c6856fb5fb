"""The client runs under the app's Content-Security-Policy (every browser test fails on a
violation: conftest.fresh_page), the policy does refuse what it should, and the client starts
through the shipped nginx config."""

import dataclasses
import time

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, fresh_page, login
from tests.nginx import Nginx

pytestmark = pytest.mark.browser

INJECT = """() => {
  const script = document.createElement('script');
  script.textContent = 'window.injected = true';
  document.head.append(script);
}"""


def test_the_client_starts_under_a_policy_without_inline_or_eval(browser, live):
    errors: list[str] = []
    page = fresh_page(browser, live, errors)
    try:
        response = page.goto("/login")
        policy = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert "frame-ancestors 'none'" in policy
        # The import map (an inline script) was allowed: the modules it names loaded.
        page.get_by_role("button", name="Aanmelden").wait_for()
        assert errors == []

        # A script someone manages to put in the page is refused, and the refusal is seen.
        page.evaluate(INJECT)
        deadline = time.monotonic() + 5
        while not errors and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert page.evaluate("window.injected") is None
        assert any("Content Security Policy" in error for error in errors), errors
    finally:
        page.context.close()


def test_the_client_starts_and_signs_in_through_the_shipped_nginx(browser, live, tmp_path):
    """Debian's nginx with deploy/nginx.conf: the modules (.mjs too) load, the page and its
    policy come from the app, the API answers through the proxy."""
    with Nginx([live.url.removeprefix("http://")], tmp_path) as nginx:
        errors: list[str] = []
        page = fresh_page(browser, dataclasses.replace(live, url=nginx.url), errors)
        try:
            login(page, ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
            page.locator("main h1").wait_for()
            assert errors == []
            served = {entry["path"] for entry in nginx.access_log() if entry["status"] == 200}
            assert {"/node_modules/preact/dist/preact.mjs", "/api/v1/auth/login"} <= served
        finally:
            page.context.close()

"""A live Stagematch (its own SQLite file, a real SMTP catcher, the mail worker in process)
and one headless Chromium for the whole session; a fresh browser context per test."""

import contextlib
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SmtpServer, free_port

STAGEMATCH = str(Path(sys.executable).parent / "stagematch")
ADMIN_EMAIL = "beheer@stagematch.test"
ADMIN_PASSWORD = "beheer-wachtwoord-voor-tests"
PASSWORD = "Een rustige zin van vandaag 7"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
LINK = re.compile(r"https?://\S+?\?token=[A-Za-z0-9_\-.~%]+")


@dataclass
class Live:
    url: str
    smtp: SmtpServer
    # The server's environment, for `stagematch` commands against its database.
    env: dict[str, str] | None = None

    _admin: httpx.Client | None = None

    def admin(self) -> httpx.Client:
        """An httpx client signed in as the admin of create-admin (one for the session)."""
        if self._admin is None:
            client = httpx.Client(base_url=f"{self.url}/api/v1", timeout=10)
            answer = client.post(
                "/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            )
            answer.raise_for_status()
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            self._admin = client
        return self._admin

    def mail_link(self, address: str, path: str, timeout: float = 10) -> str:
        """The newest client link with a token to `path` mailed to `address`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.smtp.catcher.to(address)):
                body = message.get_body(preferencelist=("plain",)).get_content()
                for link in LINK.findall(body):
                    if httpx.URL(link).path == path:
                        return link
            time.sleep(0.1)
        raise AssertionError(f"no mail with a {path} link reached {address}")

    def mails_to(self, address: str) -> int:
        return len(self.smtp.catcher.to(address))

    def wait_for_mails(self, address: str, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.mails_to(address) < count:
            assert time.monotonic() < deadline, f"{address} got {self.mails_to(address)} mails"
            time.sleep(0.1)

    def invite(self, kind: str, name: str, postcode: str, **extra) -> dict:
        """The admin creates an organisation through the API, which mails its invitation."""
        email = f"{kind}-{uuid.uuid4().hex[:8]}@example.be"
        answer = self.admin().post(
            "/organisations",
            json={"kind": kind, "name": name, "email": email, "postcode": postcode, **extra},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def activated(self, kind: str, name: str, postcode: str, **extra) -> dict:
        """An organisation whose account is activated (through the mailed link's token)."""
        organisation = self.invite(kind, name, postcode, **extra)
        link = httpx.URL(self.mail_link(organisation["email"], "/activate"))
        answer = httpx.post(
            f"{self.url}/api/v1/auth/activate",
            json={"token": link.params["token"], "password": PASSWORD},
        )
        answer.raise_for_status()
        return organisation

    def client_for(self, email: str, password: str = PASSWORD) -> httpx.Client:
        """An httpx client signed in as `email` (the caller closes it)."""
        client = httpx.Client(base_url=f"{self.url}/api/v1", timeout=30)
        answer = client.post("/auth/login", json={"email": email, "password": password})
        answer.raise_for_status()
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        return client

    def ensure_campaigns(self) -> dict[str, dict]:
        """A campaign per track whose requests are open now (created once per server)."""
        existing = self.admin().get("/campaigns", params={"page_size": 200}).json()["items"]
        found = {c["track"]: c for c in existing if c["phase"] == "requests_open"}
        now = datetime.now(UTC)
        year = now.year if now.month >= 8 else now.year - 1
        for track in ("duaal", "stage"):
            if track in found:
                continue
            answer = self.admin().post(
                "/campaigns",
                json={
                    "school_year": f"{year}-{year + 1}",
                    "track": track,
                    "opens_at": (now - timedelta(days=60)).isoformat(),
                    "request_deadline": (now + timedelta(days=20)).isoformat(),
                    "decision_deadline": (now + timedelta(days=40)).isoformat(),
                },
            )
            assert answer.status_code == 201, answer.text
            found[track] = answer.json()
        return found


def _env(database_url: str, port: int, smtp_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(
        {
            "ENVIRONMENT": "test",
            "DATABASE_URL": database_url,
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "MAIL_WORKER_IN_PROCESS": "true",
            "MAIL_POLL_SECONDS": "0.2",
            "ARGON2_MEMORY_KIB": "8192",
            "ARGON2_TIME_COST": "1",
            "REDIS_URL": "",
        }
    )
    return env


@contextlib.contextmanager
def running_live() -> Iterator[Live]:
    """Migrates a fresh SQLite file, creates the admin, serves; stops and cleans up after."""
    smtp = SmtpServer()
    smtp.start()
    port = free_port()
    database = ROOT / "var" / f"browser-{uuid.uuid4().hex[:8]}.db"
    env = _env(f"sqlite:///{database}", port, smtp.catcher.port)
    run = {"env": env, "cwd": ROOT, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([STAGEMATCH, "migrate"], **run)
    subprocess.run(
        [STAGEMATCH, "create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD], **run
    )
    log = (ROOT / "var" / f"{database.stem}.log").open("wb")
    server = subprocess.Popen(
        [STAGEMATCH, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"stagematch serve exited with {server.returncode}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("stagematch serve did not answer /healthz")
            time.sleep(0.1)
        live = Live(url=url, smtp=smtp, env=env)
        yield live
        if live._admin is not None:
            live._admin.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        smtp.stop()
        for path in database.parent.glob(f"{database.name}*"):
            path.unlink(missing_ok=True)
        (ROOT / "var" / f"{database.stem}.log").unlink(missing_ok=True)


@pytest.fixture(scope="package")
def live() -> Iterator[Live]:
    if not (ROOT / "frontend" / "node_modules" / "preact").is_dir():
        pytest.fail("frontend/node_modules is missing: run `make install` (npm ci)")
    with running_live() as live:
        yield live


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium through the playwright wheel's own driver (no `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# Package scope, not session: the sync API keeps an event loop running in this thread while
# it is open, and the rest of the suite needs asyncio.run() afterwards.
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    with chromium() as browser:
        yield browser


FAILURES = ROOT / "var" / "browser-failures"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


def _keep_screenshots(request, pages) -> None:
    """A failed test leaves its pages' screenshots in var/browser-failures/ to look at."""
    if not getattr(request.node, "failed_call", False):
        return
    FAILURES.mkdir(parents=True, exist_ok=True)
    for n, opened in enumerate(pages):
        with contextlib.suppress(Exception):
            opened.screenshot(path=str(FAILURES / f"{request.node.name[:80]}-{n}.png"))


# Every Content-Security-Policy violation is reported on the console, whatever the browser's
# own message says: the client must run under the app's policy without one. (So give
# wait_for_function a function, "() => ...": Playwright evals an expression on every poll,
# which the policy refuses.)
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => console.error(
  `Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`));
"""


def fresh_page(browser, live: Live, errors: list[str], width: int = 1280, height: int = 900):
    """A page in a context of its own (no cookies, Dutch, Brussels time) at `width` px; its
    JavaScript errors and Content-Security-Policy violations go to `errors`."""
    context = browser.new_context(
        base_url=live.url,
        locale="nl-BE",
        timezone_id="Europe/Brussels",
        viewport={"width": width, "height": height},
    )
    context.set_default_timeout(8000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            errors.append(message.text)

    opened.on("console", on_console)
    return opened


@pytest.fixture
def page(browser, live: Live, request):
    """A fresh context (no cookies, Dutch) per test, at 1280 px."""
    errors: list[str] = []
    page = fresh_page(browser, live, errors)
    yield page
    _keep_screenshots(request, [page])
    page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="package")
def campaigns(live: Live) -> dict[str, dict]:
    return live.ensure_campaigns()


@pytest.fixture
def new_page(browser, live: Live, request):
    """Opens more pages, each in its own context (another user), at 1280 px by default."""
    contexts = []
    errors: list[str] = []

    def open_page(width: int = 1280, height: int = 900):
        opened = fresh_page(browser, live, errors, width, height)
        contexts.append(opened.context)
        return opened

    yield open_page
    _keep_screenshots(request, [c.pages[0] for c in contexts if c.pages])
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def login(page, email: str, password: str = PASSWORD, role: str | None = None) -> None:
    """Signs in through the login page and waits for the role's start page."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Aanmelden").click()
    if role:
        page.wait_for_url(f"**/{role}")


def national_number(birth: date | None = None) -> str:
    """A valid national number of a pupil of 16 to 19, different at each call."""
    from backend.reference.national_number import make_national_number

    birth = birth or date(2008, 1, 1) + timedelta(days=random.randrange(0, 3 * 365))
    return make_national_number(birth, random.randrange(1, 998))


def school_with_supervisor(live: Live, name: str, postcode: str = "8000"):
    """An activated school, an API client signed in as it, and one supervisor."""
    school = live.activated("school", name, postcode)
    client = live.client_for(school["email"])
    answer = client.post(
        "/supervisors",
        json={
            "first_name": "Els",
            "last_name": "Wouters",
            "phone": "050 12 34 56",
            "email": f"els.{uuid.uuid4().hex[:6]}@example.be",
        },
    )
    answer.raise_for_status()
    return school, client, answer.json()


def request_body(supervisor_id: str, track: str = "duaal", **fields) -> dict:
    """A complete, valid request for the API."""
    body = {
        "track": track,
        "first_name": "Lotte",
        "last_name": f"Peeters {uuid.uuid4().hex[:4]}",
        "national_number": national_number(),
        "street": "Kerkstraat 1",
        "postcode": "8400",
        "city": "Oostende",
        "phone": "0470 12 34 56",
        "email": "lotte@example.be",
        "transport_modes": ["bike"],
        "supervisor_id": supervisor_id,
        "hours_per_week": 20,
        "days": ["mon", "tue"],
        "form": "block" if track == "duaal" else None,
    }
    body.update(fields)
    return body


def enter_request(client, supervisor: dict, **fields) -> dict:
    """A placement request the school of `client` enters through the API (`request_body`
    with `fields`), as the API answers it."""
    answer = client.post("/placement-requests", json=request_body(supervisor["id"], **fields))
    answer.raise_for_status()
    return answer.json()


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    # By its URL (the app serves node_modules): the policy refuses an inline copy.
    page.add_script_tag(url="/node_modules/axe-core/axe.min.js")
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return result

"""Screenshots of every page in Dutch at 1280 and 390 px wide into screenshots/ (ignored by
git), with axe-core's serious and critical findings per page printed beside them.

    .venv/bin/python scripts/screenshots.py
"""

import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    axe_violations,
    chromium,
    running_live,
)

PASSWORD = "Een rustige zin van vandaag 7"
OUT = ROOT / "screenshots"
PAGES = {
    None: ["/login", "/forgot", "/activate?token=voorbeeld", "/reset-password?token=voorbeeld"],
    "school": [
        "/school",
        "/school/supervisors",
        "/school/requests",
        "/school/requests/new",
        "/account",
    ],
    "service": ["/service", "/service/mine"],
    "admin": [
        "/admin",
        "/admin/organisations",
        "/admin/campaigns",
        "/admin/outbox",
        "/admin/audit",
    ],
}


def activated(live, kind: str, name: str, postcode: str) -> str:
    organisation = live.invite(kind, name, postcode)
    token = parse_qs(urlparse(live.mail_link(organisation["email"], "/activate")).query)["token"][0]
    answer = live.admin().post("/auth/activate", json={"token": token, "password": PASSWORD})
    answer.raise_for_status()
    return organisation["email"]


def main() -> int:
    OUT.mkdir(exist_ok=True)
    problems = 0
    with running_live() as live, chromium() as browser:
        logins = {
            "school": (activated(live, "school", "Sint-Jozefinstituut Brugge", "8000"), PASSWORD),
            "service": (activated(live, "service", "Thuiszorg Oostende", "8400"), PASSWORD),
            "admin": (ADMIN_EMAIL, ADMIN_PASSWORD),
        }
        for width in (1280, 390):
            for role, paths in PAGES.items():
                context = browser.new_context(
                    base_url=live.url,
                    locale="nl-BE",
                    timezone_id="Europe/Brussels",
                    viewport={"width": width, "height": 900},
                )
                page = context.new_page()
                if role:
                    email, password = logins[role]
                    page.goto("/login")
                    page.locator("#email").fill(email)
                    page.locator("#password").fill(password)
                    page.get_by_role("button", name="Aanmelden").click()
                    page.wait_for_url(f"**/{role}")
                for path in paths:
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(300)
                    slug = path.strip("/").split("?")[0].replace("/", "-") or "root"
                    name = f"{slug}-{width}.png"
                    page.screenshot(path=str(OUT / name), full_page=True)
                    found = axe_violations(page)
                    problems += len(found)
                    print(f"{name:40} {found or 'ok'}")
                context.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

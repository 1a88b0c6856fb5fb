"""Screenshots of every page in Dutch at 1280 and 390 px wide into screenshots/ (ignored by
git), with axe-core's serious and critical findings and any horizontal overflow per page.

    .venv/bin/python scripts/screenshots.py [name-filter]
    .venv/bin/python scripts/screenshots.py --docs   # the main pages, for docs/FRONTEND.md

The pages and their states (dialogs open, errors shown) are those of the accessibility test
(tests/browser/pages.py), on a fresh server with a school, a service and three pupils.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import axe_violations, chromium, running_live  # noqa: E402
from tests.browser.pages import PAGES, build_world, show  # noqa: E402

OUT = ROOT / "screenshots"
WIDTHS = (1280, 390)
# `--docs`: the main pages, their first screen, committed in docs/screenshots/
# and shown in docs/FRONTEND.md.
DOCS = ROOT / "docs" / "screenshots"
DOC_PAGES = (
    "login",
    "account",
    "school-home",
    "school-supervisors",
    "school-overview",
    "school-request-edit",
    "school-request-errors",
    "school-import",
    "service-browse",
    "service-mine",
    "service-detail",
    "admin-dashboard",
    "admin-organisations",
    "admin-campaigns",
)
# Elements that stick out of the page at this width, to name what overflows.
WIDE = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
               && !e.closest('.table-wrap'))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                   + (e.className ? '.' + String(e.className).split(' ').join('.') : ''))"""


def main() -> int:
    docs = sys.argv[1:] == ["--docs"]
    only = sys.argv[1] if len(sys.argv) > 1 and not docs else ""
    out = DOCS if docs else OUT
    out.mkdir(exist_ok=True)
    problems = 0
    # The browser's own widgets (the date fields' mm/dd/yyyy) speak the browser's language:
    # Debian's Chromium here has only its English one, a Flemish user's shows dd/mm/jjjj.
    with running_live() as live, chromium() as browser:
        world = build_world(live)
        for width in WIDTHS:
            for shown in PAGES:
                if only not in shown.name or (docs and shown.name not in DOC_PAGES):
                    continue
                context = browser.new_context(
                    base_url=live.url,
                    locale="nl-BE",
                    timezone_id="Europe/Brussels",
                    viewport={"width": width, "height": 900},
                )
                page = context.new_page()
                show(page, world, shown)
                name = f"{shown.name}-{width}.png"
                # The docs show the first screen, what a user sees on arrival.
                page.screenshot(path=str(out / name), full_page=not docs)
                found = axe_violations(page)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 0:
                    found.append(f"{overflow}px too wide: {page.evaluate(WIDE)}")
                problems += len(found)
                print(f"{name:42} {found or 'ok'}", flush=True)
                context.close()
    print(f"{problems} problems; screenshots in {out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The overview budget: a school's overview of 1,000 requests is ready in Chromium within twice
the time Chromium takes to show a plain HTML table of the same 1,000 rows.

    .venv/bin/python scripts/overview_budget.py [--rows 1000] [--repeat 5]

Everything is measured in the same Chromium, in the same run, one after the other, as the
median of `--repeat` loads, from the navigation's start (performance.now() counts from it)
until the 1,000th row is in the document and a frame with it has been painted:

- served table: a plain HTML page (no script) with one <table> of the rows, produced at the
  moment it is asked for from the same server's data, as a server-rendered page would be: the
  page's route reads the 1,000 rows from the API (as the school, 200 a page) and writes them
  as HTML. This is the plain table the budget compares with;
- static table: the same HTML, already written (no server work at all): what Chromium alone
  needs to parse, lay out and paint 1,000 rows. Reported, to show the server's share;
- overview: /school/requests opened by a signed-in school in a fresh page load, i.e. the
  client's start (modules, language, session from the refresh cookie), its API calls
  (campaigns, supervisors, the list page after page) and Preact's rendering;
- from the menu: the same overview reached from the menu of an open client (what a user does).

The budget holds `overview` against the served table.
"""

import argparse
import html
import io
import statistics
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402
    Live,
    chromium,
    login,
    running_live,
    school_with_supervisor,
)

BUDGET_RATIO = 2.0
TRACK = "stage"
COLUMNS = (
    "first_name;last_name;national_number;street;postcode;city;province;phone;email;"
    "transport_modes;remarks;supervisor_email;start_date;end_date;hours_per_week;days;form"
)
# Set before any script of the page runs: records when `rows` rows are in a table and a frame
# with them has been painted (two animation frames later).
READY_PROBE = """
(() => {
  const want = Number(sessionStorage.getItem('budget.rows') || 0);
  if (!want) return;
  const check = () => {
    if (document.querySelectorAll('table tbody tr').length >= want) {
      const mark = () => { window.budgetReadyAt = performance.now(); };
      requestAnimationFrame(() => requestAnimationFrame(mark));
    } else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""


def seed(live: Live, rows: int) -> dict:
    """A school with `rows` requests in the stage track, through one bulk import."""
    from backend.reference.national_number import make_national_number

    live.ensure_campaigns()
    school, client, supervisor = school_with_supervisor(live, "Budgetschool Genk", "3600")
    lines = [COLUMNS]
    for n in range(rows):
        birth = date(2007, 1, 1) + timedelta(days=n % 1000)
        number = make_national_number(birth, 1 + n // 1000)
        lines.append(
            f"Leerling{n:04d};Achternaam{n:04d};{number};Hoogstraat {n + 1};3600;Genk;;"
            f"0470 12 34 56;leerling{n}@example.be;bike;;{supervisor['email']};"
            "2027-02-01;2027-06-30;20;mon, tue;"
        )
    answer = client.post(
        "/placement-requests/import",
        params={"track": TRACK},
        files={"file": ("budget.csv", io.BytesIO("\n".join(lines).encode()), "text/csv")},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text[:2000]
    assert answer.json()["created"] == rows, answer.text[:500]
    items = []
    for page in range(1, rows // 200 + 2):
        got = client.get(
            "/placement-requests",
            params={"track": TRACK, "page": page, "page_size": 200, "sort": "name"},
        ).json()
        items += got["items"]
    client.close()
    return {"school": school, "items": items}


def plain_table(items: list[dict]) -> str:
    """The same rows and columns as the overview, as one static HTML table."""
    cells = []
    for r in items:
        supervisor = f"{r['supervisor']['first_name']} {r['supervisor']['last_name']}"
        cells.append(
            f'<tr><td><a href="/school/requests/{r["id"]}">'
            f"{html.escape(r['last_name'])} {html.escape(r['first_name'])}</a></td>"
            f"<td>{r['postcode']} {html.escape(r['city'])}</td><td>{html.escape(supervisor)}</td>"
            f"<td>{r['start_date']} – {r['end_date']}</td><td></td></tr>"
        )
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Tabel</title>'
        '<link rel="stylesheet" href="/src/styles.css"></head><body><main><table>'
        "<thead><tr><th>Naam</th><th>Plaats</th><th>Werkplekbegeleider</th><th>Periode</th>"
        f"<th>Status</th></tr></thead><tbody>{''.join(cells)}</tbody></table></main>"
        "</body></html>"
    )


def _ready_after(page, rows: int) -> float:
    page.wait_for_function("() => window.budgetReadyAt !== undefined", timeout=30000)
    count = page.evaluate("document.querySelectorAll('table tbody tr').length")
    assert count >= rows, f"{count} rows shown"
    return page.evaluate("window.budgetReadyAt")


def served_rows(live: Live, email: str, rows: int) -> list[dict]:
    """The rows as a server-rendered page would read them: from the API, 200 a page."""
    client = live.client_for(email)
    items: list[dict] = []
    page = 1
    while len(items) < rows:
        got = client.get(
            "/placement-requests",
            params={"track": TRACK, "page": page, "page_size": 200, "sort": "name"},
        ).json()
        items += got["items"]
        if not got["items"]:
            break
        page += 1
    client.close()
    return items[:rows]


def measure(
    live: Live, browser, rows: int = 1000, repeat: int = 5, world=None, in_app: bool = True
) -> dict:
    """Median milliseconds until the rows are shown: served table, static table, overview
    (cold), overview from the menu."""
    world = world or seed(live, rows)
    email = world["school"]["email"]
    static = plain_table(world["items"][:rows])
    context = browser.new_context(
        base_url=live.url, locale="nl-BE", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(30000)
    context.add_init_script(f"sessionStorage.setItem('budget.rows', '{rows}');" + READY_PROBE)
    context.add_init_script(f"localStorage.setItem('stagematch.track', '{TRACK}');")
    context.route(
        "**/budget-static-table.html",
        lambda route: route.fulfill(status=200, content_type="text/html", body=static),
    )
    context.route(
        "**/budget-served-table.html",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body=plain_table(served_rows(live, email, rows))
        ),
    )
    page = context.new_page()
    login(page, email, role="school")
    # One untimed round of each, so caches are as warm as a second visit's.
    for path in ("/budget-static-table.html", "/budget-served-table.html", "/school/requests"):
        page.goto(path)
        _ready_after(page, rows)
    timed: dict[str, list[float]] = {"static": [], "served": [], "overview": [], "menu": []}
    for _ in range(repeat):
        page.goto("/budget-static-table.html")
        timed["static"].append(_ready_after(page, rows))
        page.goto("/budget-served-table.html")
        timed["served"].append(_ready_after(page, rows))
        page.goto("/school/requests")
        timed["overview"].append(_ready_after(page, rows))
        if not in_app:
            continue
        # In the app: from the home page through the menu, timed inside the page.
        page.goto("/school")
        page.get_by_role("heading", name="Welkom").wait_for()
        page.evaluate("window.budgetReadyAt = undefined; window.budgetClickAt = performance.now()")
        page.get_by_role("navigation").get_by_role("link", name="Overzicht aanvragen").click()
        page.wait_for_function(
            f"() => document.querySelectorAll('table tbody tr').length >= {rows}",
            timeout=30000,
        )
        timed["menu"].append(
            page.evaluate(
                "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                "() => r(performance.now() - window.budgetClickAt))))"
            )
        )
    context.close()
    result = {"rows": rows, "repeat": repeat}
    for key, values in timed.items():
        result[f"{key}_ms"] = statistics.median(values) if values else None
    result["ratio"] = result["overview_ms"] / result["served_ms"]
    result["static_ratio"] = result["overview_ms"] / result["static_ms"]
    return result


def report(result: dict) -> str:
    text = (
        f"{result['rows']} rows, median of {result['repeat']}: "
        f"plain table served {result['served_ms']:.0f} ms, static {result['static_ms']:.0f} ms; "
        f"overview (fresh page load) {result['overview_ms']:.0f} ms"
    )
    if result.get("menu_ms") is not None:
        text += f", from the menu {result['menu_ms']:.0f} ms"
    return text + (
        f". Overview / served table = {result['ratio']:.2f} (budget {BUDGET_RATIO:.0f});"
        f" overview / static table = {result['static_ratio']:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with running_live() as live, chromium() as browser:
        result = measure(live, browser, args.rows, args.repeat)
    print(report(result))
    return 0 if result["ratio"] <= BUDGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())

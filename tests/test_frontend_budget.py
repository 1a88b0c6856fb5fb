"""The client's first load stays small: the initial JavaScript (static imports of the entry,
gzipped) is at most 60 KB, and the chart library is not part of it."""

import importlib.util

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("js_budget", ROOT / "scripts" / "js_budget.py")
js_budget = importlib.util.module_from_spec(spec)
spec.loader.exec_module(js_budget)


def test_initial_javascript_is_within_the_budget():
    modules = js_budget.initial_modules()
    assert "/src/main.js" in modules
    assert "/node_modules/preact/dist/preact.mjs" in modules
    assert sum(modules.values()) <= js_budget.BUDGET_BYTES


def test_the_chart_library_and_role_views_load_later():
    modules = js_budget.initial_modules()
    assert not any("uplot" in url.lower() for url in modules)
    assert not any(url.startswith("/src/views/admin/") for url in modules)
    assert not any(url.startswith("/src/views/school/") for url in modules)

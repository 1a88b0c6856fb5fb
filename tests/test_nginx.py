"""The shipped nginx config (deploy/nginx.conf) on a distribution's nginx (Debian's, whose
mime.types lacks .mjs): the client's files go out with types a browser runs, and the page
and the probes come from the app, not from nginx."""

import json
import re

import httpx
import pytest

from tests.conftest import ROOT
from tests.live_server import LiveServer, server_env
from tests.nginx import Nginx

INDEX = (ROOT / "frontend" / "index.html").read_text()


@pytest.fixture
def through_nginx(migrated_database, tmp_path):
    server = LiveServer(server_env(migrated_database)).start()
    try:
        with (
            Nginx([f"127.0.0.1:{server.port}"], tmp_path) as nginx,
            httpx.Client(base_url=nginx.url, timeout=10) as client,
        ):
            yield client
    finally:
        server.stop()


def test_the_client_files_have_the_types_a_browser_runs(through_nginx):
    import_map = json.loads(re.search(r'<script type="importmap">(.*?)</script>', INDEX, re.S)[1])
    modules = [*import_map["imports"].values(), "/src/main.js", "/src/api.js"]
    for path in modules:
        answer = through_nginx.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/javascript"), path
        assert answer.headers["x-content-type-options"] == "nosniff"
    for path, kind in [("/src/styles.css", "text/css"), ("/src/i18n/nl.json", "application/json")]:
        assert through_nginx.get(path).headers["content-type"].startswith(kind), path


def test_the_page_and_the_probes_are_the_apps(through_nginx):
    for path in ("/", "/school/requests", "/activate?token=abc"):
        page = through_nginx.get(path)
        assert page.status_code == 200 and page.text == INDEX, path
        # The app's policy, with the hash of this page's import map.
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for path in ("/healthz", "/readyz"):
        probe = through_nginx.get(path)
        assert probe.status_code == 200, path
        assert probe.headers["content-type"] == "application/json", path
        assert probe.json()["status"] == "ok"


def test_metrics_are_not_served_to_the_public(through_nginx):
    # Scraped per replica, never through the public proxy (docs/OPERATIONS.md, Metrics).
    answer = through_nginx.get("/metrics")
    assert answer.status_code == 404
    assert "stagematch_" not in answer.text

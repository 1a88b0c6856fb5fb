"""`make run PORT=8123`: in development without PUBLIC_URL, mail links follow the port."""

import pytest

from backend.cli import development_public_url
from backend.config import get_settings


@pytest.fixture
def fresh_settings(monkeypatch):
    for name in ("PUBLIC_URL", "ENVIRONMENT"):
        # set first, so that the original (even "unset") comes back after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_development_links_follow_the_served_port(fresh_settings):
    fresh_settings.setenv("ENVIRONMENT", "development")
    settings = development_public_url(get_settings(), "0.0.0.0", 8123)
    assert settings.public_url == "http://127.0.0.1:8123"
    # uvicorn's worker processes read the environment.
    get_settings.cache_clear()
    assert get_settings().public_url == "http://127.0.0.1:8123"


def test_a_public_url_that_was_set_stays(fresh_settings):
    fresh_settings.setenv("ENVIRONMENT", "development")
    fresh_settings.setenv("PUBLIC_URL", "https://stagematch.example.be")
    settings = development_public_url(get_settings(), "127.0.0.1", 8123)
    assert settings.public_url == "https://stagematch.example.be"

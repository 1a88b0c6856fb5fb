"""Changing a deployment's keys inside a test: the settings are read from the environment
again and the process is configured with them (crypto forgets the keys and numbers it held),
as a restarted process would be."""

import secrets
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from backend import startup
from backend.config import Settings

OLD_DATA_KEY = Fernet.generate_key().decode()
NEW_DATA_KEY = Fernet.generate_key().decode()
OLD_BLIND_KEY = secrets.token_urlsafe(48)
NEW_BLIND_KEY = secrets.token_urlsafe(48)


class Keys:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        # The settings of the last `use`: an app created in the test runs on them.
        self.settings: Settings | None = None

    def use(self, **settings: str | None) -> None:
        """Sets (a value) or removes (None) DATA_KEY, BLIND_INDEX_KEY, BLIND_INDEX_OLD_KEY."""
        for name, value in settings.items():
            if value is None:
                self.monkeypatch.delenv(name, raising=False)
            else:
                self.monkeypatch.setenv(name, value)
        self.settings = Settings()
        startup.configure(self.settings)


@pytest.fixture(name="keys")
def keys_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Keys]:
    yield Keys(monkeypatch)
    monkeypatch.undo()
    startup.configure(Settings())

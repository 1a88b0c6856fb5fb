"""A deployment started with the development secrets, or weak ones, is refused everywhere but
in development and test; and no error, nor the settings' repr, shows a secret's value."""

import base64
import os
import secrets

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from backend.config import (
    DEFAULT_DATA_KEY,
    DEFAULT_SECRET_KEY,
    RELAXED_ENVIRONMENTS,
    ROOT,
    Settings,
)

STRONG = {
    "secret_key": secrets.token_urlsafe(48),
    "data_key": Fernet.generate_key().decode(),
    "blind_index_key": secrets.token_urlsafe(48),
}
NEW = Fernet.generate_key().decode()
SECRETS = ("secret_key", "data_key", "blind_index_key", "blind_index_old_key", "smtp_password")


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def assert_shows_no_secret(text: str, values) -> None:
    """No part of a secret (10 characters running) is in `text`; the development defaults
    are published in the code, not secrets."""
    for secret in values:
        if not secret or secret in (DEFAULT_SECRET_KEY, DEFAULT_DATA_KEY):
            continue
        for key in secret.split(","):
            if key == DEFAULT_DATA_KEY:
                continue
            for start in range(len(key) - 9):
                assert key[start : start + 10] not in text, "a secret is shown"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("secret_key", DEFAULT_SECRET_KEY),
        ("secret_key", "short-secret-9f3a"),
        ("secret_key", "ab" * 24),  # long enough, but two characters
        ("data_key", DEFAULT_DATA_KEY),
        ("data_key", f"{NEW},{DEFAULT_DATA_KEY}"),
        ("data_key", base64.urlsafe_b64encode(b"a" * 32).decode()),  # well-formed, not random
        ("data_key", "not-a-fernet-key-but-some-secret-value-0123"),
        ("blind_index_key", None),
        ("blind_index_key", "blind-1234"),
        ("blind_index_key", STRONG["data_key"]),  # one key for two jobs
    ],
    ids=lambda v: "unset" if v is None else None,
)
def test_production_refuses_default_or_weak_secrets(name, value):
    values = {**STRONG, name: value}
    with pytest.raises(ValidationError) as refused:
        settings(environment="production", **values)
    assert name.upper() in str(refused.value)
    assert_shows_no_secret(str(refused.value) + repr(refused.value), values.values())


@pytest.mark.parametrize("environment", sorted(RELAXED_ENVIRONMENTS))
def test_development_and_test_run_on_the_defaults(environment):
    assert settings(environment=environment).blind_index_key is None


def test_a_malformed_data_key_is_refused_in_every_environment_without_echoing_it(monkeypatch):
    # It would only fail at the first national number, as a 500.
    malformed = "my-data-key-is-not-base64-but-a-secret"
    monkeypatch.setenv("DATA_KEY", f"{Fernet.generate_key().decode()}, {malformed}")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, environment="development")
    assert "DATA_KEY: key 2 of 2" in str(refused.value)
    assert_shows_no_secret(str(refused.value), [os.environ["DATA_KEY"]])


def test_no_error_shows_the_secrets_read_from_the_environment(monkeypatch):
    for name in SECRETS:
        monkeypatch.setenv(name.upper(), f"{name}-{secrets.token_urlsafe(16)}")
    monkeypatch.setenv("DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("SECRET_KEY", "too-short-but-secret")
    monkeypatch.setenv("ENVIRONMENT", "production")
    # A deployment whose last setting is its SMTP password: pydantic showed the input's end.
    fields = list(Settings.model_fields)
    for name in fields[fields.index("smtp_password") + 1 :]:
        monkeypatch.delenv(name.upper(), raising=False)
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    assert "SECRET_KEY" in str(refused.value)
    assert_shows_no_secret(str(refused.value), [os.environ[n.upper()] for n in SECRETS])


def test_the_settings_repr_hides_the_secrets():
    values = {**STRONG, "smtp_password": "mail-password-123", "blind_index_old_key": "old-1"}
    configured = settings(environment="production", smtp_host="smtp.example.be", **values)
    assert_shows_no_secret(repr(configured) + str(configured.model_dump()), values.values())


def test_the_readme_names_the_environments_the_code_relaxes():
    readme = (ROOT / "README.md").read_text()
    relaxed = " and ".join(f"`{e}`" for e in sorted(RELAXED_ENVIRONMENTS))
    assert f"Outside {relaxed}" in readme, relaxed

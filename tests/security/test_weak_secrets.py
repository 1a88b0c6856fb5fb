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


def test_strong_secrets_are_accepted_in_production():
    settings(environment="production", **STRONG)
    settings(environment="production", **{**STRONG, "data_key": f"{STRONG['data_key']},{NEW}"})


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
    message = str(refused.value)
    assert name.upper() in message
    for secret in (v for v in values.values() if v):
        assert secret not in message and secret not in repr(refused.value)


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
    assert malformed not in str(refused.value)


def test_no_error_of_another_setting_echoes_the_secrets(monkeypatch):
    for name in SECRETS:
        monkeypatch.setenv(name.upper(), f"{name}-{secrets.token_urlsafe(8)}")
    monkeypatch.setenv("DATA_KEY", STRONG["data_key"])
    monkeypatch.setenv("SMTP_PORT", "not-a-port")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, environment="development")
    for name in SECRETS:
        assert os.environ[name.upper()] not in str(refused.value)


def test_the_settings_repr_hides_the_secrets():
    values = {**STRONG, "smtp_password": "mail-password-123", "blind_index_old_key": "old-1"}
    shown = repr(settings(environment="production", **values)) + str(
        settings(environment="production", **values).model_dump()
    )
    for name in SECRETS:
        assert values[name] not in shown, name


def test_the_readme_names_the_environments_the_code_relaxes():
    readme = (ROOT / "README.md").read_text()
    relaxed = " and ".join(f"`{e}`" for e in sorted(RELAXED_ENVIRONMENTS))
    assert f"Outside {relaxed}" in readme, relaxed

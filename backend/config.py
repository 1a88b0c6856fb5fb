"""Settings, read once from the environment and a `.env` file (SPEC section 7)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "development-secret-key-change-me"
# A valid Fernet key (32 url-safe base64 bytes) that only development may use.
DEFAULT_DATA_KEY = "ZGV2ZWxvcG1lbnQtZGF0YS1rZXktY2hhbmdlLW1lISE="


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'stagematch.db'}"
    secret_key: str = DEFAULT_SECRET_KEY
    # Comma-separated Fernet keys, newest first: MultiFernet encrypts with the first and
    # decrypts with any, so a key can be rotated without downtime.
    data_key: str = DEFAULT_DATA_KEY
    public_url: str = "http://127.0.0.1:8000"

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Stagematch <no-reply@stagematch.local>"
    mail_worker_in_process: bool = True
    mail_poll_seconds: float = 2.0
    mail_max_attempts: int = 12
    mail_backoff_base_seconds: float = 30.0
    mail_backoff_max_seconds: float = 3600.0
    # A worker claims one mail at a time for this long and renews the claim every third of it
    # while the SMTP server takes the mail: a killed worker's mail is free again this soon.
    mail_claim_seconds: float = Field(default=15.0, gt=0)
    # Mails a worker sends in one pass before it looks at reminders and at its stop signal.
    mail_batch_size: int = Field(default=50, gt=0)

    redis_url: str | None = None

    support_email: str = "stages@stagematch.be"
    support_phone: str = "02 250 37 77"
    support_hours: str = "werkdagen behalve woensdag, 9u30-12u en 13u-15u"

    access_token_minutes: int = 15
    refresh_token_days: int = 14
    activation_token_days: int = 7
    reset_token_minutes: int = 60

    # Rate limits: "N/window seconds" per key (limits' moving window).
    login_attempts_per_account: int = 5
    login_attempts_per_address: int = 30
    login_window_seconds: int = 900
    mail_requests_per_account: int = 3
    mail_requests_per_address: int = 20
    mail_request_window_seconds: int = 900

    password_hash_threads: int = 2
    # OWASP minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> "Settings":
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
                raise ValueError("SECRET_KEY must be set to a random value of 32+ characters")
            if self.data_key == DEFAULT_DATA_KEY:
                raise ValueError("DATA_KEY must be set outside development")
            if not self.smtp_host:
                # Without it the worker writes mail to the log and calls it sent.
                raise ValueError("SMTP_HOST must be set in production")
        return self

    @property
    def async_database_url(self) -> str:
        return async_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def async_url(url: str) -> str:
    """Plain `sqlite:///` and `postgresql://` URLs get their async driver."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()

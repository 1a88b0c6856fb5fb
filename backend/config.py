"""Settings, read once from the environment and a `.env` file (SPEC section 7)."""

import base64
import binascii
from email.utils import getaddresses
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "development-secret-key-change-me"
# A valid Fernet key (32 url-safe base64 bytes) that only development may use.
DEFAULT_DATA_KEY = "ZGV2ZWxvcG1lbnQtZGF0YS1rZXktY2hhbmdlLW1lISE="
# The blind index was keyed from the last DATA_KEY before it had a key of its own: this
# default keeps the hashes of a development database made with the default DATA_KEY.
DEFAULT_BLIND_INDEX_KEY = DEFAULT_DATA_KEY
# Environments that may run on the defaults above (and weak keys); every other refuses them.
RELAXED_ENVIRONMENTS = frozenset({"development", "test"})
MIN_KEY_LENGTH = 32
# A random key of 32+ characters has far more distinct characters than this ("aaaa...",
# "changemechangeme..." do not).
MIN_DISTINCT_CHARACTERS = 10


class Settings(BaseSettings):
    # An invalid value is never echoed in the error (it may be a secret).
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'stagematch.db'}"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    # Comma-separated Fernet keys, newest first: MultiFernet encrypts with the first and
    # decrypts with any; `stagematch rotate-keys` moves the data to the first (OPERATIONS.md).
    data_key: SecretStr = SecretStr(DEFAULT_DATA_KEY)
    # Keys the duplicate check's hash of the national number; DATA_KEY rotation leaves it
    # alone. Required outside development and test. During `stagematch reindex` after a
    # change, the old one goes in BLIND_INDEX_OLD_KEY so that duplicates stay detected.
    blind_index_key: SecretStr | None = None
    blind_index_old_key: SecretStr | None = None
    public_url: str = "http://127.0.0.1:8000"
    # The proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated
    # addresses or networks): the client's address (rate limits, audit log) comes from them.
    # Anyone else could write any address there, so only loopback by default.
    forwarded_allow_ips: str = "127.0.0.1,::1"

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    # The sender (a display name and an address of a domain whose SPF/DKIM allow this server)
    # and where answers go; without MAIL_REPLY_TO, answers go to the helpdesk (SUPPORT_EMAIL).
    mail_from: str = "Stagematch <no-reply@stagematch.be>"
    mail_reply_to: str | None = None
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
    # Log lines: "json" or "text"; unset, JSON in production and text elsewhere.
    log_format: Literal["json", "text"] | None = None

    # A hung database must not hold a request (and its pool connection) for long: a statement
    # (lock waits included) gives up after this, a connection attempt after that, and a
    # request waiting for a free pooled connection after the third; each answers 503.
    db_statement_timeout_seconds: float = 10.0
    db_connect_timeout_seconds: float = 5.0
    # Above the longest wait for a connection a deadline rush shows: the pool serves its
    # waiters in turn (db.FairQueuePool), so the longest wait is about the average one,
    # clients ÷ throughput (p99 7.4 s with 150 services on 2 replicas, docs/DECISIONS.md,
    # "The rush's 503s"): a wait, not a failure.
    db_pool_timeout_seconds: float = 20.0
    # On SIGTERM: event streams end at once, requests in flight get this long to finish.
    shutdown_grace_seconds: float = 15.0
    # `/metrics` answers a bearer of this token; without it, only requests that came
    # directly (no proxy's forwarding header). See docs/OPERATIONS.md.
    metrics_token: str | None = None

    support_email: str = "stages@stagematch.be"
    support_phone: str = "02 250 37 77"
    support_hours: str = "werkdagen behalve woensdag, 9u30-12u en 13u-15u"
    # The same hours in English, for English mails and pages.
    support_hours_en: str = "working days except Wednesday, 9:30-12:00 and 13:00-15:00"

    access_token_minutes: int = 15
    # A sign-in (its refresh tokens) ends this long after the password was typed, however
    # active: a working day (OWASP ASVS 3.3.2, level 2).
    session_hours: int = 12
    activation_token_days: int = 7
    reset_token_minutes: int = 60
    # Admins must sign in with a second factor (TOTP) before any admin endpoint answers
    # (OWASP ASVS 4.3.1). Unset: required in production only, so that development and the
    # test fixtures sign in with a password alone.
    admin_mfa_required: bool | None = None
    # Development and tests: a problem its endpoint does not declare (errors.problems) answers
    # 500 undeclared_error instead of itself, so that the test suite proves the OpenAPI
    # document complete. Off in production, where the problem is answered as raised.
    check_declared_errors: bool = False

    # Retention: a campaign's pupils' personal data are erased this many months after its
    # decision deadline, by the worker, this many requests per committed batch.
    retention_months: int = Field(default=18, ge=1, le=120)
    retention_batch_size: int = Field(default=200, gt=0)

    # Rate limits (moving windows, backend/auth/ratelimit.py). Failed sign-ins: 5 per account
    # from one client address and 30 per address in 15 minutes, 50 per account from all
    # addresses together in an hour (so one address cannot lock the owner out).
    login_attempts_per_account_address: int = Field(5, ge=1)
    login_attempts_per_account: int = Field(50, ge=1)
    login_account_window_seconds: int = Field(3600, ge=1)
    login_attempts_per_address: int = Field(30, ge=1)
    login_window_seconds: int = Field(900, ge=1)
    mail_requests_per_account: int = 3
    mail_requests_per_address: int = 20
    mail_request_window_seconds: int = 900

    # Per-caller API limits (backend/auth/ratelimit.py, fixed windows): each API token, and
    # each signed-in user, may make this many reads (GET, HEAD) and writes (POST, PUT, PATCH,
    # DELETE) per API_LIMIT_WINDOW_SECONDS. Every API answer says where it stands in the
    # `RateLimit-*` headers; over the limit it is `429 rate_limited` with `Retry-After`.
    api_reads_per_window: int = Field(600, ge=1)
    api_writes_per_window: int = Field(120, ge=1)
    api_limit_window_seconds: int = Field(60, ge=1)

    # Integrations (docs/integrations.md): an `Idempotency-Key` is kept this long; the
    # events the stream replays from `Last-Event-ID` and webhooks fan out are kept as long.
    idempotency_key_hours: int = Field(24, ge=1)
    event_retention_hours: int = Field(24, ge=1)
    # Webhooks: each attempt waits this long for the receiver's answer; after this many
    # failed deliveries in a row the endpoint is switched off (its organisation is mailed);
    # delivery log entries are kept this many days.
    webhook_timeout_seconds: float = Field(10.0, gt=0)
    webhook_failures_before_disable: int = Field(15, ge=1)
    webhook_delivery_retention_days: int = Field(30, ge=1)
    webhook_claim_seconds: float = Field(30.0, gt=0)
    # Receivers on http:// at localhost or on private addresses: only for development and
    # tests (production refuses them whatever this says).
    webhook_allow_private: bool = False

    password_hash_threads: int = 2
    # OWASP minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1

    @field_validator("mail_from", "mail_reply_to")
    @classmethod
    def _one_mail_address(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Checked at start: a bad sender would fail every mail, one by one, in the worker.
        if info.field_name == "mail_reply_to" and (value is None or not value.strip()):
            return None  # MAIL_REPLY_TO= left empty: answers go to SUPPORT_EMAIL
        value = value or ""
        addresses = getaddresses([value])
        local, at, domain = addresses[0][1].partition("@") if len(addresses) == 1 else ("", "", "")
        if not (local and at and "." in domain) or any(c in value for c in "\r\n"):
            raise ValueError("must be one address, e.g. 'Stagematch <no-reply@example.be>'")
        return value.strip()

    @field_validator("blind_index_key", "blind_index_old_key", "smtp_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `BLIND_INDEX_OLD_KEY=` left empty in an env file means "not set", not the key "".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format_in_any_case(cls, value: object) -> object:
        # `LOG_FORMAT=JSON ` reads as json, and an empty one as unset (as it always did).
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> "Settings":
        # Messages name the setting, never its value.
        data_keys = self.data_keys
        for position, key in enumerate(data_keys, 1):
            if not _is_fernet_key(key):
                raise ValueError(
                    f"DATA_KEY: key {position} of {len(data_keys)} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes)"
                )
        if not data_keys:
            raise ValueError("DATA_KEY must name at least one key")
        if self.environment in RELAXED_ENVIRONMENTS:
            return self
        secret = self.secret_key.get_secret_value()
        if secret == DEFAULT_SECRET_KEY or _is_weak(secret):
            raise ValueError(
                f"SECRET_KEY must be a random value of {MIN_KEY_LENGTH}+ characters "
                "outside development and test"
            )
        for position, key in enumerate(data_keys, 1):
            if key == DEFAULT_DATA_KEY or len(set(_fernet_bytes(key))) < MIN_DISTINCT_CHARACTERS:
                raise ValueError(
                    f"DATA_KEY: key {position} of {len(data_keys)} is the development key or "
                    "not random; generate one with Fernet.generate_key()"
                )
        if self.blind_index_key is None:
            raise ValueError("BLIND_INDEX_KEY must be set outside development and test")
        blind = self.blind_index_key.get_secret_value()
        if blind == DEFAULT_BLIND_INDEX_KEY or _is_weak(blind):
            raise ValueError(
                f"BLIND_INDEX_KEY must be a random value of {MIN_KEY_LENGTH}+ characters "
                "outside development and test"
            )
        if blind == secret or blind in data_keys:
            raise ValueError("BLIND_INDEX_KEY must differ from SECRET_KEY and every DATA_KEY")
        if not self.smtp_host:
            # Without it the worker writes mail to the log and calls it sent.
            raise ValueError("SMTP_HOST must be set in production")
        return self

    @property
    def reply_to(self) -> str:
        """Where answers to a mail go: MAIL_REPLY_TO, else the helpdesk (SUPPORT_EMAIL)."""
        return self.mail_reply_to or self.support_email

    @property
    def data_keys(self) -> list[str]:
        """DATA_KEY's keys, newest first."""
        return [k.strip() for k in self.data_key.get_secret_value().split(",") if k.strip()]

    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        """LOG_FORMAT when set; else JSON in production, text elsewhere."""
        if self.log_format is not None:
            return self.log_format
        return "json" if self.environment == "production" else "text"

    @property
    def admin_mfa_enforced(self) -> bool:
        if self.admin_mfa_required is None:
            return self.environment == "production"
        return self.admin_mfa_required

    @property
    def blind_index_secret(self) -> str:
        """The key of the duplicate check's hash (the development default when unset)."""
        if self.blind_index_key is None:
            return DEFAULT_BLIND_INDEX_KEY
        return self.blind_index_key.get_secret_value()

    @property
    def async_database_url(self) -> str:
        return async_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _fernet_bytes(key: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(key.encode())
    except (ValueError, binascii.Error):
        return b""


def _is_fernet_key(key: str) -> bool:
    return len(_fernet_bytes(key)) == 32


def _is_weak(secret: str) -> bool:
    return len(secret) < MIN_KEY_LENGTH or len(set(secret)) < MIN_DISTINCT_CHARACTERS


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

"""National numbers at rest: Fernet encryption under DATA_KEY (rotatable: `stagematch
rotate-keys`) and a keyed hash under BLIND_INDEX_KEY, of its own, for the per-campaign
duplicate check (`stagematch reindex` after that key changes). docs/OPERATIONS.md, "Keys"."""

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from functools import cache, lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from backend.config import Settings
from backend.errors import DataKeyMismatch

log = logging.getLogger(__name__)

__all__ = ["DataKeyMismatch"]  # (declared with the problems every operation can answer)
# What the key check (backend.keys) encrypts: proof that a key opens the data.
CHECK_PLAINTEXT = b"stagematch data key check"
# A decrypted number stays in a process's memory at most this long (see `decrypt`).
DECRYPT_CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class Keyring:
    """The process's keys, from the Settings its entry point built (`configure`)."""

    # DATA_KEY lists keys newest first: encrypt with the first, decrypt with any.
    data: tuple[Fernet, ...]
    fernet: MultiFernet
    blind_index: str
    # BLIND_INDEX_OLD_KEY, set during `stagematch reindex`.
    blind_index_old: str | None


_keyring: Keyring | None = None


def configure(settings: Settings) -> None:
    """Takes the process's keys from `settings` (create_app and the CLI's commands call it
    first); numbers decrypted under the previous keys are forgotten."""
    global _keyring
    data = tuple(Fernet(key) for key in settings.data_keys)
    old = settings.blind_index_old_key
    _keyring = Keyring(
        data=data,
        fernet=MultiFernet(list(data)),
        blind_index=settings.blind_index_secret,
        blind_index_old=old.get_secret_value() if old is not None else None,
    )
    forget_decrypted()


def _keys() -> Keyring:
    if _keyring is None:
        raise RuntimeError("no keys: the entry point calls backend.startup.configure() first")
    return _keyring


def _fernet() -> MultiFernet:
    return _keys().fernet


def encrypt(national_number: str) -> str:
    return _fernet().encrypt(national_number.encode()).decode()


# A Fernet token is unique to one encryption (random IV) and always decrypts to the same
# number, so decrypted numbers are kept for the lists that show them again and again (a
# school's overview of 200 requests would otherwise spend ~4 ms per view in decryption,
# docs/PERFORMANCE.md). The process holds the key itself, so the cache exposes nothing the
# process memory did not already hold; it is bounded, emptied by the retention purge of this
# process, and emptied every DECRYPT_CACHE_SECONDS so that numbers purged by another
# process (`stagematch purge`) do not outlive it in a server's memory.
@lru_cache(maxsize=20_000)
def _decrypt_cached(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


_cache_expires_at = 0.0
_monotonic = time.monotonic  # (tests move it)


def decrypt(token: str) -> str:
    """The number in a token ("" for one erased by the purge); 503 `data_key_mismatch` when
    no key of DATA_KEY opens it (a wrong key, or an old one removed before `rotate-keys`)."""
    global _cache_expires_at
    if not token:
        return ""
    now = _monotonic()
    if now >= _cache_expires_at:
        _decrypt_cached.cache_clear()
        _cache_expires_at = now + DECRYPT_CACHE_SECONDS
    try:
        return _decrypt_cached(token)
    except InvalidToken:
        log.error("a stored national number does not decrypt with DATA_KEY: see /readyz")
        raise DataKeyMismatch(
            "A key of DATA_KEY is missing or wrong; the operators are told by /readyz"
        ) from None


def forget_decrypted() -> None:
    """Empties this process's cache of decrypted numbers (after erasing numbers)."""
    _decrypt_cached.cache_clear()


def open_token(token: str) -> str | None:
    """The number in a token, or None when no key opens it; uncached (for the key jobs)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def is_under_newest_key(token: str) -> bool:
    try:
        _keys().data[0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str | None:
    """The token re-encrypted with the newest key, or None when no key opens it."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        return None


def check_token(*, oldest: bool) -> str:
    """A token of CHECK_PLAINTEXT under DATA_KEY's oldest (last) or newest (first) key."""
    key = _keys().data[-1] if oldest else _keys().data[0]
    return key.encrypt(CHECK_PLAINTEXT).decode()


def opens_check_token(token: str) -> bool:
    return open_token(token) == CHECK_PLAINTEXT.decode()


# --- the blind index --------------------------------------------------------------------


@cache
def _hmac_key(secret: str) -> bytes:
    # The derivation the index always had: before BLIND_INDEX_KEY existed, `secret` was the
    # last key of DATA_KEY, so BLIND_INDEX_OLD_KEY=<that key> reproduces those hashes.
    return hashlib.sha256(b"national-number:" + secret.encode()).digest()


def _hash(secret: str, national_number: str) -> str:
    return hmac.new(_hmac_key(secret), national_number.encode(), hashlib.sha256).hexdigest()


def _blind_secrets() -> list[str]:
    """BLIND_INDEX_KEY, then BLIND_INDEX_OLD_KEY when set (during a reindex)."""
    keyring = _keys()
    secrets = [keyring.blind_index]
    if keyring.blind_index_old is not None:
        secrets.append(keyring.blind_index_old)
    return secrets


def blind_index(national_number: str) -> str:
    """Keyed hash under BLIND_INDEX_KEY: equal numbers give equal hashes, but the table alone
    reveals none."""
    return _hash(_keys().blind_index, national_number)


def blind_indexes(national_number: str) -> list[str]:
    """The hashes a stored duplicate may carry: under BLIND_INDEX_KEY, and under
    BLIND_INDEX_OLD_KEY while `stagematch reindex` moves the stored ones."""
    return [_hash(secret, national_number) for secret in _blind_secrets()]


def _fingerprint(secret: str) -> str:
    # No national number is this text, so the fingerprint is no hash of a pupil's.
    return _hash(secret, "stagematch blind index key check")


def blind_key_fingerprint() -> str:
    """Names BLIND_INDEX_KEY without revealing it (stored by the key check)."""
    return _fingerprint(_keys().blind_index)


def known_blind_key_fingerprints() -> set[str]:
    """The keys this process matches duplicates under (BLIND_INDEX_KEY and the old one)."""
    return {_fingerprint(secret) for secret in _blind_secrets()}


def fingerprint_of_hash(national_number: str, stored_hash: str) -> str | None:
    """The fingerprint of the configured key under which `stored_hash` is the number's hash."""
    for secret in _blind_secrets():
        if hmac.compare_digest(_hash(secret, national_number), stored_hash):
            return _fingerprint(secret)
    return None

"""National numbers at rest: Fernet encryption (rotatable keys) and a keyed hash for the
per-campaign uniqueness check."""

import hashlib
import hmac
from functools import cache, lru_cache

from cryptography.fernet import Fernet, MultiFernet

from backend.config import get_settings


@cache
def _fernet() -> MultiFernet:
    # DATA_KEY lists keys newest first: encrypt with the first, decrypt with any.
    keys = [k.strip() for k in get_settings().data_key.split(",") if k.strip()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(national_number: str) -> str:
    return _fernet().encrypt(national_number.encode()).decode()


# A Fernet token is unique to one encryption (random IV) and always decrypts to the same
# number, so decrypted numbers are kept for the lists that show them again and again (a
# school's overview of 200 requests would otherwise spend ~4 ms per view in decryption,
# docs/PERFORMANCE.md). The process holds the key itself, so the cache exposes nothing the
# process memory did not already hold; it is bounded and lives as long as the process.
@lru_cache(maxsize=20_000)
def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypts with the newest key (for a key rotation job)."""
    return _fernet().rotate(token.encode()).decode()


def blind_index(national_number: str) -> str:
    """Keyed hash: equal numbers give equal hashes, but the table alone reveals none."""
    key = hashlib.sha256(b"national-number:" + get_settings().data_key.split(",")[-1].encode())
    return hmac.new(key.digest(), national_number.encode(), hashlib.sha256).hexdigest()

"""Opaque bearer secrets (API keys, later gateway keys and tokens): generation and hashing.

Keys carry 192 bits of randomness, so a keyed HMAC-SHA256 is the right hash: slow password
hashes buy nothing against brute force here and would cost a KDF run per request. The HMAC key
(the server pepper) means a stolen database alone cannot be used to check guesses.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_KEY_PREFIX = "cal_"


def generate(prefix: str, nbytes: int = 24) -> str:
    return prefix + secrets.token_hex(nbytes)


def digest(pepper: str, key: str) -> str:
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


def bearer_token(header: str | None) -> str | None:
    """The secret in an Authorization header: `Bearer <secret>`, or the raw secret (Cal.com
    accepts both)."""
    if not header:
        return None
    value = header.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


def display_prefix(key: str) -> str:
    return key[:10]

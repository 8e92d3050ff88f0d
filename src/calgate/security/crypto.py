"""Secrets at rest: AES-256-GCM under keys derived (HKDF-SHA256) from configured secrets.

A stored value is ``<key id>:<base64url(nonce || ciphertext+tag)>``. The AAD binds it to its
place (table, row id, column) and to the key id, so a ciphertext copied into another row or
column, or relabelled with another key id, fails to decrypt. The keyring holds several keys:
the first encrypts, every one decrypts, so a new key can be introduced while old rows remain
readable (they are re-encrypted under the new key whenever they are next written).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_HKDF_INFO = b"calgate/gateway/token-encryption/v1"
_NONCE = 12


class DecryptionError(Exception):
    """A stored secret could not be decrypted (unknown key id, tampering, wrong place)."""


def default_key_id(secret: str) -> str:
    """A stable, non-secret id for a secret: 'k' + 8 hex of a domain-separated hash."""
    return "k" + hashlib.sha256(b"calgate-key-id\x00" + secret.encode()).hexdigest()[:8]


def derive_key(secret: str, key_id: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"calgate-gateway",
        info=_HKDF_INFO + b"/" + key_id.encode(),
    )
    return hkdf.derive(secret.encode())


def _aad(key_id: str, context: str) -> bytes:
    return f"calgate-gateway|{context}|{key_id}".encode()


class Keyring:
    def __init__(self, keys: Iterable[tuple[str, str]]) -> None:
        pairs = list(keys)
        if not pairs:
            raise ValueError("a keyring needs at least one key")
        self._ciphers: dict[str, AESGCM] = {}
        for key_id, secret in pairs:
            if not _KEY_ID.match(key_id):
                raise ValueError(f"invalid key id {key_id!r}")
            if key_id in self._ciphers:
                raise ValueError(f"duplicate key id {key_id!r}")
            self._ciphers[key_id] = AESGCM(derive_key(secret, key_id))
        self.current = pairs[0][0]

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._ciphers[self.current].encrypt(
            nonce, plaintext.encode(), _aad(self.current, context)
        )
        return f"{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, context: str) -> str:
        key_id, sep, body = stored.partition(":")
        cipher = self._ciphers.get(key_id)
        if not sep or cipher is None:
            raise DecryptionError(f"no key with id {key_id!r} in the keyring")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            plain = cipher.decrypt(raw[:_NONCE], raw[_NONCE:], _aad(key_id, context))
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError("stored secret failed authentication") from exc
        return plain.decode()

    def seals(self, stored: str) -> bool:
        """The value is under one of this keyring's keys (not, say, a legacy plaintext)."""
        key_id, sep, _ = stored.partition(":")
        return bool(sep) and key_id in self._ciphers

    def needs_rotation(self, stored: str) -> bool:
        return stored.partition(":")[0] != self.current


def context(table: str, row_id: str, column: str) -> str:
    """The AAD context for one column of one row."""
    return f"{table}|{row_id}|{column}"

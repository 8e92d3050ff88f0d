"""Webhook signing secrets at rest: sealed with the gateway's keyring, bound to their row.

Rows written before secrets were sealed hold the plaintext; a value that no key of the
keyring claims (no `<key id>:` prefix) is read as such, and `calgate admin rotate-secrets`
seals it.
"""

from __future__ import annotations

from calgate.security.crypto import Keyring, context

TABLE = "webhooks"
COLUMN = "secret"


def secret_context(webhook_id: int) -> str:
    return context(TABLE, str(webhook_id), COLUMN)


def seal(keyring: Keyring, webhook_id: int, secret: str | None) -> str | None:
    return None if secret is None else keyring.encrypt(secret, secret_context(webhook_id))


def unseal(keyring: Keyring, webhook_id: int, stored: str | None) -> str | None:
    if stored is None or not keyring.seals(stored):
        return stored
    return keyring.decrypt(stored, secret_context(webhook_id))

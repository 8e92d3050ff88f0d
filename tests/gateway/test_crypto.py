"""Token encryption: AES-256-GCM round trip, binding to its place, key rotation."""

from __future__ import annotations

import pytest

from calgate.config import Settings
from calgate.gateway.config import GatewaySettings
from calgate.security.crypto import DecryptionError, Keyring, context, default_key_id

pytestmark = pytest.mark.pure

CTX = context("gateway_connections", "row-1", "access_token")


def test_round_trip_and_format() -> None:
    ring = Keyring([("k1", "secret-one")])
    sealed = ring.encrypt("at-very-secret", CTX)
    assert sealed.startswith("k1:")
    assert "at-very-secret" not in sealed
    assert ring.decrypt(sealed, CTX) == "at-very-secret"
    assert ring.encrypt("at-very-secret", CTX) != sealed  # fresh nonce every time


def test_bound_to_row_and_column() -> None:
    ring = Keyring([("k1", "secret-one")])
    sealed = ring.encrypt("at-very-secret", CTX)
    with pytest.raises(DecryptionError):
        ring.decrypt(sealed, context("gateway_connections", "row-2", "access_token"))
    with pytest.raises(DecryptionError):
        ring.decrypt(sealed, context("gateway_connections", "row-1", "refresh_token"))


def test_tampering_and_unknown_key_fail() -> None:
    ring = Keyring([("k1", "secret-one")])
    sealed = ring.encrypt("value", CTX)
    body = sealed.split(":", 1)[1]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DecryptionError):
        ring.decrypt("k1:" + flipped, CTX)
    with pytest.raises(DecryptionError):
        ring.decrypt("k9:" + body, CTX)
    with pytest.raises(DecryptionError):
        ring.decrypt("garbage", CTX)
    # Relabelling a ciphertext with another key id of the ring fails too (id is in the AAD).
    both = Keyring([("k2", "secret-one"), ("k1", "secret-one")])
    with pytest.raises(DecryptionError):
        both.decrypt("k2:" + body, CTX)


def test_rotation_old_keys_still_decrypt() -> None:
    old = Keyring([("k1", "secret-one")])
    sealed_old = old.encrypt("refresh-token", CTX)
    rotated = Keyring([("k2", "secret-two"), ("k1", "secret-one")])
    assert rotated.current == "k2"
    assert rotated.decrypt(sealed_old, CTX) == "refresh-token"
    assert rotated.needs_rotation(sealed_old)
    sealed_new = rotated.encrypt("refresh-token", CTX)
    assert sealed_new.startswith("k2:")
    assert not rotated.needs_rotation(sealed_new)
    with pytest.raises(DecryptionError):
        old.decrypt(sealed_new, CTX)
    # Dropping the old key makes the old ciphertexts unreadable.
    with pytest.raises(DecryptionError):
        Keyring([("k2", "secret-two")]).decrypt(sealed_old, CTX)


def test_keyring_from_settings() -> None:
    base = Settings(secret_key="server-secret")
    default = GatewaySettings.from_env(base, environ={})
    assert default.token_keys == ((default_key_id("server-secret"), "server-secret"),)
    rotated = GatewaySettings.from_env(
        base, environ={"CALGATE_GATEWAY_TOKEN_KEYS": "new:s2,old:s1"}
    )
    assert rotated.token_keys == (("new", "s2"), ("old", "s1"))
    with pytest.raises(ValueError, match="id:secret"):
        GatewaySettings.from_env(base, environ={"CALGATE_GATEWAY_TOKEN_KEYS": "nocolon"})
    with pytest.raises(ValueError, match="duplicate"):
        Keyring([("a", "x"), ("a", "y")])

"""Cal.com's webhook signature: hex HMAC-SHA256 of the raw body in X-Cal-Signature-256."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Cal-Signature-256"
# What Cal.com sends in the signature header when the webhook has no secret.
NO_SECRET = "no-secret-provided"  # noqa: S105 (a marker, not a secret)


def sign(secret: str | None, body: str | bytes) -> str:
    if not secret:
        return NO_SECRET
    raw = body.encode() if isinstance(body, str) else body
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """Receiver-side check, constant time."""
    return hmac.compare_digest(sign(secret, body), signature)

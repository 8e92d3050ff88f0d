"""Assertions on Cal.com's JSON envelopes."""

from __future__ import annotations

from typing import Any


def assert_ok(r: Any, status: int = 200) -> Any:
    """A success envelope with ``status``; returns its ``data``."""
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["status"] == "success", body
    return body["data"]


def assert_error(
    r: Any, status: int, code: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """An error envelope with ``status``, a message, and (when given) the error code and the
    refusal's ``error.details.reason``; returns the whole body."""
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["status"] == "error", body
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    if reason:
        assert body["error"].get("details", {}).get("reason") == reason, body
    return body

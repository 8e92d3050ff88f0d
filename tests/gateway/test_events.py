"""Gateway events: Standard Webhooks to a key's events URL, through a real loopback receiver."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook, WebhookVerificationError

from calgate.config import Settings
from calgate.store.db import sync_url
from calgate.store.models import GatewayEvent, GatewayKey, utcnow
from tests.gateway.conftest import Harness
from tests.support.clock import travel
from tests.support.waiting import wait_until
from tests.webhooks.receiver import Received, receiver, sequence

FAST = {
    "webhook_poll_interval": 0.05,
    "webhook_backoff_base": 0.05,
    "webhook_backoff_max": 1.0,
    "webhook_max_attempts": 3,
    "webhook_timeout": 5.0,
}


@pytest.fixture
def settings(db_url: str) -> Settings:
    from tests.conftest import TEST_SECRET

    return replace(Settings(database_url=db_url, secret_key=TEST_SECRET), **FAST)


def _set_events(gw: Harness, key: str, url: str) -> str:
    with gw.client(key) as http:
        r = http.put("/gateway-key/events", json={"url": url})
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    assert events["url"] == url
    secret: str = events["secret"]
    assert secret.startswith("whsec_")
    return secret


def _rows(gw: Harness) -> list[GatewayEvent]:
    engine = create_engine(sync_url(gw.settings.database_url))
    try:
        with Session(engine) as session:
            return list(session.scalars(select(GatewayEvent).order_by(GatewayEvent.id)))
    finally:
        engine.dispose()


def _wait_rows(gw: Harness, done: Callable[[list[GatewayEvent]], bool]) -> list[GatewayEvent]:

    def settled() -> list[GatewayEvent]:
        rows = _rows(gw)
        return rows if done(rows) else []

    try:
        return wait_until(settled, 20, 0.05)
    except AssertionError:
        rows = _rows(gw)
        raise AssertionError(
            f"gateway events never settled: {[(r.kind, r.status) for r in rows]}"
        ) from None


def _verify(secret: str, request: Received) -> Any:
    return Webhook(secret).verify(request.body, request.headers)


def test_lifecycle_events_are_signed_and_verify(gw: Harness) -> None:
    key = gw.make_key()
    with receiver() as rec:
        secret = _set_events(gw, key, rec.url)
        conn = gw.connect(key)
        with gw.client(key) as http:
            assert http.delete(f"/connections/{conn}").status_code == 200
        got = rec.wait_for(3)
    payloads = [_verify(secret, r) for r in got]
    kinds = sorted(p["type"] for p in payloads)
    assert kinds == ["connection.active", "connection.created", "connection.deleted"]
    for request, payload in zip(got, payloads, strict=True):
        assert request.headers["webhook-id"].startswith("msg_")
        assert request.headers["content-type"] == "application/json"
        assert set(payload) == {"type", "timestamp", "data"}
        assert set(payload["data"]) == {"connection_id", "app", "status", "status_reason"}
        assert payload["data"]["connection_id"] == conn
        assert payload["data"]["app"] == "cal-com"
        # Never a token, never the key.
        for secret_value in [*gw.fake.issued, key]:
            assert secret_value not in request.body.decode()
    active = next(p for p in payloads if p["type"] == "connection.active")
    assert active["data"]["status"] == "ACTIVE"
    assert len({r.headers["webhook-id"] for r in got}) == 3


def test_replayed_or_tampered_delivery_is_rejected_by_a_verifier(gw: Harness) -> None:
    key = gw.make_key()
    with receiver() as rec:
        secret = _set_events(gw, key, rec.url)
        with gw.client(key) as http:
            http.post("/connections", json={"app": "cal-com"})
        (request,) = rec.wait_for(1)
    assert _verify(secret, request)["type"] == "connection.created"
    # The same request seen again six minutes later: outside the 5-minute tolerance.
    with (
        travel(utcnow() + timedelta(minutes=6)),
        pytest.raises(WebhookVerificationError, match="too old"),
    ):
        _verify(secret, request)
    forged = replace(request, body=request.body.replace(b"PENDING", b"ACTIVE"))
    with pytest.raises(WebhookVerificationError):
        _verify(secret, forged)
    with pytest.raises(WebhookVerificationError):
        _verify("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", request)


def test_retried_after_500_with_the_same_id(gw: Harness) -> None:
    key = gw.make_key()
    with receiver(sequence(500, (503, {"Retry-After": "0"}))) as rec:
        secret = _set_events(gw, key, rec.url)
        with gw.client(key) as http:
            http.post("/connections", json={"app": "cal-com"})
        got = rec.wait_for(3)
        rows = _wait_rows(gw, lambda rows: bool(rows) and rows[0].status != "pending")
    assert len({r.headers["webhook-id"] for r in got}) == 1
    assert all(_verify(secret, r)["type"] == "connection.created" for r in got)
    (row,) = rows
    assert row.status == "delivered"
    assert row.attempts == 3
    assert row.last_status_code == 200


def test_nothing_sent_for_keys_without_url(gw: Harness) -> None:
    with_url, without = gw.make_key("with"), gw.make_key("without")
    with receiver() as rec:
        _set_events(gw, with_url, rec.url)
        with gw.client(without) as http:
            http.post("/connections", json={"app": "cal-com"})
        with gw.client(with_url) as http:
            http.post("/connections", json={"app": "cal-com"})
        # The keyless key's event is deleted unsent (no table growth for keys without a URL).
        rows = _wait_rows(gw, lambda rows: [r.status for r in rows] == ["delivered"])
        got = rec.wait_for(1)
        # Turned off: events from now on are dropped too.
        with gw.client(with_url) as http:
            off = http.delete("/gateway-key/events")
            assert off.json() == {"events": {"url": None, "since": None}}
            http.post("/connections", json={"app": "cal-com"})
        rows = _wait_rows(gw, lambda rows: len(rows) == 1)
    assert len(got) == len(rec.requests) == 1
    assert [r.status for r in rows] == ["delivered"]


def test_events_url_goes_through_the_ssrf_guard(make_gateway: Callable[..., Harness]) -> None:
    """Tenant-chosen events URLs answer to the user webhooks' switch: the gateway's own
    CALGATE_GATEWAY_ALLOW_PRIVATE (on here, for the loopback provider) does not open them."""
    gw = make_gateway(settings_overrides={"webhook_allow_private": False})
    assert gw.gateway_settings.allow_private is True
    key = gw.make_key()
    with receiver() as rec:
        _set_events(gw, key, rec.url)
        with gw.client(key) as http:
            http.post("/connections", json={"app": "cal-com"})
        (row,) = _wait_rows(gw, lambda rows: bool(rows) and rows[0].status != "pending")
    assert rec.requests == []
    assert row.status == "dead"
    assert row.last_error is not None
    assert "refused" in row.last_error
    assert "CALGATE_WEBHOOK_ALLOW_PRIVATE" in row.last_error


def test_events_api_validation_and_get(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        assert http.get("/gateway-key/events").json() == {"events": {"url": None, "since": None}}
        for bad in ("not a url", "ftp://example.com/x", "/relative"):
            r = http.put("/gateway-key/events", json={"url": bad})
            assert r.status_code == 400, (bad, r.text)
        assert http.put("/gateway-key/events", json={}).status_code == 400
        first = http.put("/gateway-key/events", json={"url": "https://example.com/hook"})
        second = http.put("/gateway-key/events", json={"url": "https://example.com/hook"})
        shown = http.get("/gateway-key/events").json()["events"]
    assert first.json()["events"]["secret"] != second.json()["events"]["secret"]
    assert shown["url"] == "https://example.com/hook"
    assert "secret" not in shown
    with gw.client() as anonymous:
        assert anonymous.get("/gateway-key/events").status_code == 401
    # The secret is stored encrypted, never in clear.
    engine = create_engine(sync_url(gw.settings.database_url))
    with Session(engine) as session:
        stored = session.scalars(select(GatewayKey.events_secret_enc)).all()
    engine.dispose()
    assert second.json()["events"]["secret"] not in json.dumps(stored)


def test_cli_creates_key_with_events_url(gw: Harness) -> None:
    from tests.cli.test_admin import run

    with receiver() as rec:
        r = run(
            gw.settings.database_url,
            "admin",
            "create-gateway-key",
            "--name",
            "agent",
            "--events-url",
            rec.url,
            "--json",
        )
        assert r.returncode == 0, r.stderr
        payload = json.loads(r.stdout)
        assert set(payload) == {"key", "id", "name", "events_url", "events_secret"}
        with gw.client(payload["key"]) as http:
            http.post("/connections", json={"app": "cal-com"})
        (request,) = rec.wait_for(1)
    assert _verify(payload["events_secret"], request)["type"] == "connection.created"
    bad = run(
        gw.settings.database_url,
        "admin",
        "create-gateway-key",
        "--name",
        "x",
        "--events-url",
        "nope",
    )
    assert bad.returncode == 1
    assert "events url" in bad.stderr

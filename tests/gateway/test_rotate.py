"""`calgate admin rotate-secrets`: every stored secret moves to the new key, servers keep working,
and the old key can then be removed."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from calgate.gateway.rotate import SEALED, rotate
from calgate.security.crypto import Keyring, context
from calgate.store.db import Database, sync_url
from calgate.store.models import Connection, Webhook, utcnow
from tests.cli.test_admin import run
from tests.gateway.conftest import Harness
from tests.support.waiting import wait_until

OLD = ("old", "secret-one")
NEW = ("new", "secret-two")
BOTH = f"{NEW[0]}:{NEW[1]},{OLD[0]}:{OLD[1]}"


def _stored(url: str) -> list[tuple[str, str, str, str]]:
    """Every encrypted value: (table, row id, column, ciphertext)."""
    engine = create_engine(sync_url(url))
    out = []
    try:
        with Session(engine) as session:
            for sealed in SEALED:
                for row in session.scalars(select(sealed.model)):
                    for name, attr in sealed.columns:
                        value = getattr(row, attr)
                        if value is not None:
                            out.append((sealed.table, str(row.id), name, value))
    finally:
        engine.dispose()
    return out


def _decrypt_all(url: str, ring: Keyring) -> dict[tuple[str, str, str], str]:
    return {
        (table, rid, name): ring.decrypt(value, context(table, rid, name))
        for table, rid, name, value in _stored(url)
    }


def _populate(gw: Harness) -> tuple[str, str]:
    """An ACTIVE connection, a PENDING one mid-flow (PKCE verifier), one with only its link,
    and an events secret; all under the old key."""
    key = gw.make_key()
    gw.connect(key)
    with gw.client(key) as http:
        started = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        assert http.get(started["url"]).status_code in (302, 303, 307)
        http.post("/connections", json={"app": "cal-com"})
        r = http.put("/gateway-key/events", json={"url": "https://example.com/hook"})
        events_secret = r.json()["events"]["secret"]
    return key, events_secret


def test_rotate_then_old_key_can_go(
    make_gateway: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch
) -> None:
    old_gw = make_gateway(token_keys=(OLD,))
    key, events_secret = _populate(old_gw)
    url = old_gw.settings.database_url
    before = _decrypt_all(url, Keyring([OLD]))
    columns = {(table, name) for table, _, name in before}
    assert columns == {
        ("gateway_connections", "access_token"),
        ("gateway_connections", "refresh_token"),
        ("gateway_connections", "session_token"),
        ("gateway_connections", "pkce_verifier"),
        ("gateway_keys", "events_secret"),
    }
    assert events_secret in before.values()
    engine = create_engine(sync_url(url))
    with Session(engine) as session:
        versions = dict(session.execute(select(Connection.id, Connection.token_version)).all())
        touched = dict(session.execute(select(Connection.id, Connection.updated_at)).all())

    monkeypatch.setenv("CALGATE_GATEWAY_TOKEN_KEYS", BOTH)
    r = run(url, "admin", "rotate-secrets", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["key_id"] == "new"
    # Every sealed column is reported, the ones this test leaves empty with 0.
    expected = {f"{s.table}.{a.removesuffix('_enc')}": 0 for s in SEALED for _, a in s.columns}
    for table, _, name in before:
        expected[f"{table}.{name}"] = expected.get(f"{table}.{name}", 0) + 1
    assert report["rotated"] == expected
    assert expected["gateway_connections.pkce_verifier"] == 1
    assert expected["gateway_keys.events_secret"] == 1
    assert report["rows_updated"] == len({(t, rid) for t, rid, _ in before}) == 4
    assert report["undecryptable"] == []
    assert report["remaining"] == 0

    # Every value now decrypts with a keyring holding ONLY the new key, to the same plaintext.
    assert _decrypt_all(url, Keyring([NEW])) == before
    assert all(v.startswith("new:") for *_, v in _stored(url))
    with Session(engine) as session:
        assert dict(session.execute(select(Connection.id, Connection.token_version)).all()) == (
            versions
        )
        assert dict(session.execute(select(Connection.id, Connection.updated_at)).all()) == (
            touched
        )
    engine.dispose()

    # Idempotent: a second run has nothing to do.
    again = json.loads(run(url, "admin", "rotate-secrets", "--json").stdout)
    assert again["rows_updated"] == 0
    assert set(again["rotated"].values()) == {0}

    # A server configured with the new key alone serves the connection.
    new_gw = make_gateway(token_keys=(NEW,))
    with new_gw.client(key) as http:
        me = http.get("/cal-com/v2/me")
        listed = http.get("/connections").json()["connections"]
    assert me.status_code == 200, me.text
    assert me.json()["data"]["user"] == "alice"
    pending = [c for c in listed if c["status"] == "PENDING"]
    assert len(pending) == 2
    assert all(c["url"] for c in pending)  # session tokens decrypt: links still shown
    assert new_gw.refreshes == 0


def test_undecryptable_values_are_reported_not_touched(
    make_gateway: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = make_gateway(token_keys=(OLD,))
    key = gw.make_key()
    conn = gw.connect(key)
    gw.update_connection(conn, access_token_enc="gone:AAAA")
    monkeypatch.setenv("CALGATE_GATEWAY_TOKEN_KEYS", BOTH)
    r = run(gw.settings.database_url, "admin", "rotate-secrets")
    assert r.returncode == 1
    assert f"gateway_connections/{conn}/access_token" in r.stdout
    # The readable column of the same row was still moved; the unreadable one left as it was.
    stored = {name: v for _, rid, name, v in _stored(gw.settings.database_url) if rid == conn}
    assert stored["access_token"] == "gone:AAAA"
    assert stored["refresh_token"].startswith("new:")


def test_refresh_during_rotation_loses_nothing(make_gateway: Callable[..., Harness]) -> None:
    old_gw = make_gateway(token_keys=(OLD,))
    key = old_gw.make_key()
    conns = [old_gw.connect(key, user=f"user{i}") for i in range(3)]
    url = old_gw.settings.database_url
    # The live server now holds both keys (new first); the tokens are due for refresh, and
    # the provider answers slowly, so the rotation runs while refreshes are in flight.
    both_gw = make_gateway(token_keys=(NEW, OLD))
    for conn in conns:
        both_gw.expire(conn, utcnow() - timedelta(minutes=1))
    fake = both_gw.fake
    fake.refresh_delay = 0.5
    calls_before = fake.refresh_calls
    results: dict[str, Any] = {}

    def call(conn: str) -> None:
        with both_gw.client(key) as http:
            results[conn] = http.get("/cal-com/v2/me", headers={"Maton-Connection": conn})

    threads = [threading.Thread(target=call, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    wait_until(lambda: fake.refresh_calls >= calls_before + len(conns), 20, 0.01, "refreshes")
    assert fake.refresh_calls == calls_before + len(conns)

    async def rotate_now() -> dict[str, Any]:
        db = Database(url)
        try:
            return (await rotate(db, Keyring([NEW, OLD]), batch=2)).to_json()
        finally:
            await db.dispose()

    report = asyncio.run(rotate_now())
    for t in threads:
        t.join(timeout=30)
    assert all(results[c].status_code == 200 for c in conns), {c: results[c].text for c in conns}
    assert report["undecryptable"] == []

    # The stored pair is the one the provider issued last, readable with the new key alone.
    tokens = _decrypt_all(url, Keyring([NEW]))
    for conn in conns:
        access = tokens[("gateway_connections", conn, "access_token")]
        refresh = tokens[("gateway_connections", conn, "refresh_token")]
        assert access in fake.access
        assert refresh in fake.refresh
    new_gw = make_gateway(token_keys=(NEW,))
    refreshes = new_gw.refreshes
    with new_gw.client(key) as http:
        for conn in conns:
            r = http.get("/cal-com/v2/me", headers={"Maton-Connection": conn})
            assert r.status_code == 200, r.text
    assert new_gw.refreshes == refreshes


@pytest.mark.sqlite_only
def test_database_file_holds_no_plaintext_secret(gw: Harness) -> None:
    key = gw.make_key()
    gw.connect(key)
    with gw.client(key) as http:
        pending = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        secret = http.put("/gateway-key/events", json={"url": "https://example.com/hook"}).json()[
            "events"
        ]["secret"]
    session_token = httpx2.URL(pending["url"]).params["session_token"]
    database = make_url(gw.settings.database_url).database
    assert database is not None
    files = [p for p in Path(database).parent.iterdir() if p.name.startswith(Path(database).name)]
    raw = b"".join(p.read_bytes() for p in files)
    assert len(raw) > 0
    secrets = [*gw.fake.issued, key, session_token, secret, secret.removeprefix("whsec_")]
    assert len(gw.fake.issued) == 2
    for value in secrets:
        assert value.encode() not in raw, value


def test_webhook_secrets_in_clear_are_sealed(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows from before webhook secrets were sealed hold plaintext: rotation seals them, moves
    the sealed ones, and counts both."""
    old = Keyring([OLD])
    engine = create_engine(sync_url(db_url))
    with Session(engine) as session:
        hooks = [Webhook(subscriber_url="https://example.com/h", triggers=[]) for _ in range(3)]
        session.add_all(hooks)
        session.flush()
        legacy, sealed, empty = hooks
        legacy.secret = "in-clear"
        sealed.secret = old.encrypt("under-old", context("webhooks", str(sealed.id), "secret"))
        session.commit()
        ids = (legacy.id, sealed.id, empty.id)

    monkeypatch.setenv("CALGATE_GATEWAY_TOKEN_KEYS", BOTH)
    r = run(db_url, "admin", "rotate-secrets", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["rotated"]["webhooks.secret"] == 2
    assert report["rows_updated"] == 2
    assert report["undecryptable"] == []
    assert report["remaining"] == 0

    with Session(engine) as session:
        stored = dict(session.execute(select(Webhook.id, Webhook.secret)).all())
    engine.dispose()
    assert stored[ids[2]] is None
    assert all(stored[i].startswith("new:") for i in ids[:2])
    new = Keyring([NEW])
    assert new.decrypt(stored[ids[0]], context("webhooks", str(ids[0]), "secret")) == "in-clear"
    assert new.decrypt(stored[ids[1]], context("webhooks", str(ids[1]), "secret")) == "under-old"
    again = json.loads(run(db_url, "admin", "rotate-secrets", "--json").stdout)
    assert again["rows_updated"] == 0

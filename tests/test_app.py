"""The composition root's background work and bookkeeping: the reservation purge, API-key use,
and how new database files are created."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from calgate.app import create_app, get_runtime_of, reservation_purge
from calgate.config import Settings
from calgate.store import migrate
from calgate.store.db import Database
from calgate.store.models import ApiKey, SlotReservation, utcnow
from tests.support.waiting import wait_until


def _event_type(client: TestClient, account: Any) -> int:
    r = client.post(
        "/v2/event-types",
        json={"title": "Purge", "slug": f"purge-{account.id}", "length": 30},
        headers=account.headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def _reserve(client: TestClient, event_type_id: int, uid: str, expires_in: timedelta) -> None:
    now = utcnow()

    async def insert() -> None:
        db = get_runtime_of(client.app).db  # type: ignore[arg-type]
        async with db.transaction() as session:
            session.add(
                SlotReservation(
                    uid=uid,
                    event_type_id=event_type_id,
                    slot_start=now + timedelta(days=7),
                    slot_end=now + timedelta(days=7, minutes=30),
                    expires_at=now + expires_in,
                    created_at=now,
                )
            )

    assert client.portal is not None
    client.portal.call(insert)


def _uids(client: TestClient) -> set[str]:
    async def read() -> set[str]:
        db = get_runtime_of(client.app).db  # type: ignore[arg-type]
        async with db.session() as session:
            return set((await session.scalars(select(SlotReservation.uid))).all())

    assert client.portal is not None
    return client.portal.call(read)


def test_one_purge_tick_deletes_expired_reservations_only(
    client: TestClient, make_account: Any, settings: Settings
) -> None:
    event_type_id = _event_type(client, make_account())
    _reserve(client, event_type_id, "gone", -timedelta(seconds=1))
    _reserve(client, event_type_id, "kept", timedelta(minutes=5))
    purge = reservation_purge(settings, get_runtime_of(client.app).db)  # type: ignore[arg-type]
    assert client.portal is not None
    client.portal.call(purge.tick)
    assert _uids(client) == {"kept"}


def test_the_server_runs_the_purge(settings: Settings, make_account: Any) -> None:
    fast = dataclasses.replace(settings, reservation_purge_interval=0.05)
    with TestClient(create_app(fast)) as client:
        account = make_account()
        event_type_id = _event_type(client, account)
        _reserve(client, event_type_id, "stale", -timedelta(seconds=1))
        wait_until(lambda: "stale" not in _uids(client), 10, what="the purge")
        assert _uids(client) == set()


def test_purge_can_be_turned_off() -> None:
    off = Settings.from_env({"CALGATE_RESERVATION_PURGE_INTERVAL": "0"})
    assert off.reservation_purge_interval == 0
    assert Settings.from_env({}).reservation_purge_interval == 300


def _last_used(client: TestClient, user_id: int) -> Any:
    async def read() -> Any:
        db = get_runtime_of(client.app).db  # type: ignore[arg-type]
        async with db.session() as session:
            return await session.scalar(
                select(ApiKey.last_used_at).where(ApiKey.user_id == user_id)
            )

    assert client.portal is not None
    return client.portal.call(read)


def test_api_key_use_is_recorded_at_most_once_a_minute(
    client: TestClient, make_account: Any
) -> None:
    account = make_account()
    assert _last_used(client, account.id) is None
    before = utcnow()
    assert client.get("/v2/me", headers=account.headers).status_code == 200
    first = _last_used(client, account.id)
    assert first is not None
    assert first >= before - timedelta(seconds=1)
    assert client.get("/v2/me", headers=account.headers).status_code == 200
    assert _last_used(client, account.id) == first
    # Nothing about it reaches the wire.
    assert "lastUsedAt" not in client.get("/v2/me", headers=account.headers).text


@pytest.mark.sqlite_only
def test_new_sqlite_files_are_owner_only(tmp_path: Path) -> None:
    migrated = tmp_path / "migrated.db"
    migrate.upgrade(f"sqlite:///{migrated}")
    assert migrated.stat().st_mode & 0o777 == 0o600

    opened = tmp_path / "opened.db"
    db = Database(f"sqlite:///{opened}")
    assert opened.stat().st_mode & 0o777 == 0o600
    assert db.is_sqlite

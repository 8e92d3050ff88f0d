"""Migrations that rewrite data, run on a database holding rows from before them (SQLite, or
PostgreSQL when CALGATE_TEST_DATABASE_URL points at one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from calgate.store import migrate
from calgate.store.db import sync_url
from calgate.store.types import JSONType, UTCDateTime
from tests.conftest import _pg_admin_url


@pytest.fixture
def blank_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own, with no migration applied."""
    configured = os.environ.get("CALGATE_TEST_DATABASE_URL", "")
    if not configured.startswith(("postgresql", "postgres")):
        yield f"sqlite:///{tmp_path / 'calgate.db'}"
        return
    name = f"calgate_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_pg_admin_url(configured), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(configured).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BOOKINGS = sa.table(
    "bookings",
    sa.column("uid", sa.String),
    sa.column("title", sa.String),
    sa.column("start_time", UTCDateTime),
    sa.column("end_time", UTCDateTime),
    sa.column("status", sa.String),
    sa.column("metadata", JSONType),
    sa.column("responses", JSONType),
    sa.column("rescheduled", sa.Boolean),
    sa.column("no_show_host", sa.Boolean),
    sa.column("from_reschedule", sa.String),
    sa.column("ics_uid", sa.String),
    sa.column("created_at", UTCDateTime),
    sa.column("updated_at", UTCDateTime),
)


def test_a_reschedule_chain_takes_its_first_bookings_uid(blank_url: str) -> None:
    """0016: each booking of a reschedule chain gets the UID its emails always had (the
    first booking's `ics_uid`, else `<uid>@calgate`) and its place in the chain."""
    migrate.upgrade(blank_url, "0015_event_type_snapshot")
    now = datetime(2026, 11, 1, 9, tzinfo=UTC)
    rows = [
        # uid, from_reschedule, ics_uid, status
        ("a", None, "a-first@calgate", "cancelled"),
        ("b", "a", "b-fresh@calgate", "cancelled"),
        ("c", "b", "c-fresh@calgate", "accepted"),
        ("legacy", None, None, "cancelled"),
        ("moved", "legacy", "moved-fresh@calgate", "accepted"),
        ("orphan", "deleted-long-ago", "orphan@calgate", "accepted"),
        ("alone", None, "alone@calgate", "accepted"),
    ]
    engine = sa.create_engine(sync_url(blank_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                BOOKINGS.insert(),
                [
                    {
                        "uid": uid,
                        "title": "Intro",
                        "start_time": now,
                        "end_time": now,
                        "status": status,
                        "metadata": {},
                        "responses": {},
                        "rescheduled": status == "cancelled",
                        "no_show_host": False,
                        "from_reschedule": previous,
                        "ics_uid": ics_uid,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for uid, previous, ics_uid, status in rows
                ],
            )
        migrate.upgrade(blank_url)
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT uid, ics_uid, ics_sequence FROM bookings"))
            after = {uid: (ics_uid, sequence) for uid, ics_uid, sequence in found}
    finally:
        engine.dispose()
    assert after == {
        "a": ("a-first@calgate", 0),
        "b": ("a-first@calgate", 1),
        "c": ("a-first@calgate", 2),
        "legacy": (None, 0),
        "moved": ("legacy@calgate", 1),
        "orphan": ("orphan@calgate", 0),
        "alone": ("alone@calgate", 0),
    }

"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
CALGATE_TEST_DATABASE_URL points at one), the app, and helpers to make users and keys."""

from __future__ import annotations

import gc
import os
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from fastapi import FastAPI
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
from calgate.security import passwords
from calgate.store import migrate
from calgate.store.db import sync_url
from calgate.store.models import Base
from tests.support.accounts import Account, seed_account_in

pytest_plugins = ["tests.support.stuck"]

use_pinned_tzdata()

# Accounts are made by the hundred: argon2's cheapest parameters (argon2-cffi's profile for
# tests) instead of 0.1 s of CPU each. Hashes still verify by their own parameters, so servers
# run in subprocesses, at full cost, accept them.
passwords._hasher = PasswordHasher.from_parameters(CHEAPEST)

# CI explores a fixed sequence of examples so a red run is reproducible and a green one means
# the same every time; local runs keep searching randomly (and widely with HYPOTHESIS_PROFILE=
# deep), which is where new counterexamples come from: pin each as an example test.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("deep", max_examples=2000, database=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)

TEST_SECRET = "test-secret-key-not-for-production"


def _pg_admin_url(url: str) -> str:
    return sync_url(url).set(database="postgres").render_as_string(hide_password=False)


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """A freshly migrated database, dropped afterwards: a PostgreSQL database of its own when
    CALGATE_TEST_DATABASE_URL points at a server, else a SQLite file in ``folder``."""
    configured = os.environ.get("CALGATE_TEST_DATABASE_URL", "")
    if configured.startswith(("postgresql", "postgres")):
        name = f"calgate_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_pg_admin_url(configured), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(configured).set(database=name).render_as_string(hide_password=False)
        try:
            migrate.upgrade(url)
            yield url
        finally:
            wiper = _PG_WIPERS.pop(url, None)
            if wiper is not None:
                wiper.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        url = f"sqlite:///{folder / 'calgate.db'}"
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The database of this test session (each test empties it after use: `db_url`)."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


# PostgreSQL: one engine per database for emptying it after each test (a new one opened a
# connection, a server process, per test: 18 ms of a trivial test's 69). SQLite opens a new
# one each time: kept open across tests, its connection met "disk I/O error" and "database
# disk image is malformed" in a clean-clone run (which test disturbed it is not known).
_PG_WIPERS: dict[str, Engine] = {}


def _wiper(url: str) -> Engine:
    if not url.startswith(("postgresql", "postgres")):
        return create_engine(sync_url(url))
    engine = _PG_WIPERS.get(url)
    if engine is None:
        engine = _PG_WIPERS[url] = create_engine(sync_url(url), pool_pre_ping=True)
    return engine


def _wipe(url: str) -> None:
    engine = _wiper(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # DELETE, children first, rather than TRUNCATE: a test leaves a few rows in a few
            # tables, and TRUNCATE's cost per table (100 ms for all of them, 4 ms this way) was
            # a sixth of the PostgreSQL pass. Sequences a test used restart, as TRUNCATE's
            # RESTART IDENTITY did (a restarted sequence's last_value is NULL until used).
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            used = conn.execute(
                text(
                    "SELECT sequencename FROM pg_sequences"
                    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                )
            )
            for sequence in used.scalars().all():
                conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            conn.exec_driver_sql("DELETE FROM sqlite_sequence") if _has_sequence(conn) else None
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    if url not in _PG_WIPERS:
        engine.dispose()


def _has_sequence(conn: Any) -> bool:
    return bool(
        conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").first()
    )


@pytest.fixture
def db_url(database_url: str) -> Iterator[str]:
    """The session database, emptied after each test."""
    yield database_url
    _wipe(database_url)


@pytest.fixture
def settings(db_url: str) -> Settings:
    # The suite loads the server hard: rate limits stay off unless a test turns them on.
    return Settings(database_url=db_url, secret_key=TEST_SECRET, rate_limit=False)


# Apps are reused across the tests of a process, per settings and CALGATE_ environment: an app
# is a function of those alone, and FastAPI builds an app's routes on its first requests (0.2-0.4
# s of pydantic schema building on these machines, a third of the suite when paid per test).
# What lives (database, workers, rate-limit counts) lives in one lifespan, and an app runs one
# lifespan at a time: `using_app` lends an idle app, or makes one, and takes it back once its
# lifespan is over. A test that serves the app twice (`client` beside `live_url`) gets two apps;
# sharing one, the second lifespan replaced the first's runtime under it.
_IDLE_APPS: OrderedDict[Any, list[FastAPI]] = OrderedDict()
# Settings naming a port or a temporary path make an app each: keep the latest few only.
_IDLE_KINDS = 8


@contextmanager
def using_app(settings: Settings) -> Iterator[FastAPI]:
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("CALGATE_")))
    key = (settings, environment)
    idle = _IDLE_APPS.pop(key, [])
    app = idle.pop() if idle else create_app(settings)
    _keep(key, idle)
    yield app
    # Not reached when the lifespan failed to end (the exception passes through): the app
    # is dropped, never lent again.
    _keep(key, [*_IDLE_APPS.pop(key, []), app])


def _keep(key: Any, idle: list[FastAPI]) -> None:
    if idle:
        _IDLE_APPS[key] = idle
        while len(_IDLE_APPS) > _IDLE_KINDS:
            _IDLE_APPS.popitem(last=False)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with using_app(settings) as app, TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_account(client: TestClient, settings: Settings) -> Any:
    """Create a user plus an API key through the service layer, as the admin CLI does."""
    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None, time_zone: str = "America/New_York", name: str | None = None
    ) -> Account:
        n = next(counter)

        async def create() -> Account:
            db = client.app.state.calgate.db  # type: ignore[attr-defined]
            async with db.transaction() as session:
                _, account = await seed_account_in(
                    session,
                    settings.secret_key,
                    email=email or f"user{n}@example.com",
                    name=name or f"User {n}",
                    time_zone=time_zone,
                )
                return account

        assert client.portal is not None
        return client.portal.call(create)

    return make


# Folders whose tests drive a client (the SDK, the CLI, an MCP server, a browser) against a live
# server: they test the client side, and the server's store under them is what the API tests
# already cover on both databases, so the PostgreSQL pass skips them.
CLIENT_SIDE = ("/tests/client/", "/tests/e2e/", "/tests/interop/")


def pytest_collection_finish(session: pytest.Session) -> None:
    # The collected suite (every module, app and schema imported) lives to the end: frozen,
    # the garbage collector stops walking it, and it runs a tenth as often. Its full passes
    # over that heap were 15% of a test process's time (gc.callbacks, tests/api).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.path)
        # Tests of the pure domain need no database, so the PostgreSQL pass skips them.
        if "/tests/core/" in path:
            item.add_marker(pytest.mark.pure)
        elif any(folder in path for folder in CLIENT_SIDE):
            item.add_marker(pytest.mark.store_agnostic)


@pytest.fixture
def live_url(settings: Settings) -> Iterator[str]:
    """The app served by real uvicorn on a loopback port."""
    from tests.support.server import live_server

    with using_app(settings) as app, live_server(app) as url:
        yield url

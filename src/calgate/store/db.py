"""Engine and session handling for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

# Registers the flush guard: no session commits a value a response could not render.
import calgate.store.renderable  # noqa: F401
from calgate.errors import ServiceUnavailable

# Execution option the SQLite "begin" hook reads to open the transaction as BEGIN IMMEDIATE.
_IMMEDIATE = "calgate_sqlite_immediate"


def _normalise(url: str | URL) -> URL:
    u = make_url(url) if isinstance(url, str) else url
    backend = u.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return u.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return u
    raise ValueError(f"unsupported database URL {u.render_as_string(hide_password=True)!r}")


def async_url(url: str | URL) -> URL:
    u = _normalise(url)
    return u.set(drivername="sqlite+aiosqlite") if u.get_backend_name() == "sqlite" else u


def sync_url(url: str | URL) -> URL:
    u = _normalise(url)
    return u.set(drivername="sqlite+pysqlite") if u.get_backend_name() == "sqlite" else u


def is_sqlite(url: str | URL) -> bool:
    return _normalise(url).get_backend_name() == "sqlite"


def create_sqlite_file(url: str | URL) -> None:
    """Create a new SQLite database file owner-only (0600) before SQLite opens it.

    SQLite would create it with the process umask (often world-readable), and it holds password
    hashes and encrypted tokens; its -wal and -shm files take the same mode. An empty file is a
    valid empty database. An existing file is left as it is.
    """
    u = _normalise(url)
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(u.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def sync_engine(url: str | URL) -> Engine:
    """A synchronous engine (Authlib's worker threads), without a pool to dispose of."""
    create_sqlite_file(url)
    engine = create_engine(sync_url(url), poolclass=NullPool)
    if is_sqlite(url):
        install_sqlite_hooks(engine)
    return engine


@contextmanager
def sync_transaction(engine: Engine) -> Iterator[Session]:
    """The synchronous twin of `Database.transaction` (BEGIN IMMEDIATE on SQLite too)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if engine.dialect.name == "sqlite":
            session.connection(execution_options={_IMMEDIATE: True})
        yield session


def install_sqlite_hooks(sync_engine: Any) -> None:
    """WAL, foreign keys and explicit transaction control for SQLite.

    pysqlite's own implicit BEGIN is switched off so that we decide how each transaction starts:
    writes that check-then-insert (bookings) start with BEGIN IMMEDIATE and are serialised by
    SQLite's write lock, which is what makes "check availability, then insert" atomic.
    """

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


async def serialise(session: AsyncSession, name: str) -> None:
    """Run the transactions that call this with `name` one after another from here to their end
    (commit or rollback): a PostgreSQL advisory lock; SQLite runs writing transactions one at a
    time already. Call it once the transaction holds the locks of the rows it changes (a
    booking's, taken first by every change to it): one waiting here then holds nothing the one
    holding it still needs, so the two cannot deadlock."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        await connection.execute(select(func.pg_advisory_xact_lock(key)))


# Seconds a client is asked to wait when every pooled connection stayed busy past the pool's
# timeout: the server is at capacity, not broken.
BUSY_RETRY_AFTER = 1


# PostgreSQL turning a new connection away because it is full (SQLSTATE 53300) or not ready
# (57P03). libpq reports a refused connection as text only (psycopg's sqlstate is None
# then), so the server's own words are matched.
_SERVER_FULL = (
    "too many clients",
    "too many connections",
    "remaining connection slots",
    "the database system is starting up",
    "the database system is shutting down",
)


def _server_full(exc: OperationalError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in ("53300", "57P03"):
        return True
    text = str(exc.orig or exc)
    return any(words in text for words in _SERVER_FULL)


@contextmanager
def _pool_exhaustion_is_busy() -> Iterator[None]:
    """No connection to be had, from the pool or from a database that is full, is a busy
    server (503 with Retry-After), not a broken one."""
    try:
        yield
    except PoolTimeout as exc:
        raise ServiceUnavailable(
            "The server is busy; try again shortly", retry_after=BUSY_RETRY_AFTER
        ) from exc
    except OperationalError as exc:
        if not _server_full(exc):
            raise
        raise ServiceUnavailable(
            "The server is busy; try again shortly", retry_after=BUSY_RETRY_AFTER
        ) from exc


class Database:
    """Owns the async engine; hands out sessions for reads and for write transactions."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            if self.url.database in (None, "", ":memory:"):
                raise ValueError("in-memory SQLite is not supported; use a file path")
            create_sqlite_file(self.url)
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            install_sqlite_hooks(self.engine.sync_engine)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (and simple writes); commit explicitly if you write."""
        with _pool_exhaustion_is_busy():
            async with self.sessionmaker() as session:
                yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One committed-or-rolled-back unit of work.

        On SQLite it takes the write lock at BEGIN (BEGIN IMMEDIATE), always: a transaction that
        reads and then writes would otherwise hold a read lock it cannot upgrade while another
        writer commits, and SQLite answers that with "database is locked" at once instead of
        waiting (busy_timeout does not apply to a lock upgrade). Writes on SQLite are serial
        anyway; reads that write nothing use `session()`. PostgreSQL relies on row locks and
        constraints instead.
        """
        with _pool_exhaustion_is_busy():
            async with self.sessionmaker() as session, session.begin():
                if self.is_sqlite:
                    # Procuring the connection with the option set makes the begin hook see it.
                    await session.connection(execution_options={_IMMEDIATE: True})
                yield session

    async def dispose(self) -> None:
        await self.engine.dispose()

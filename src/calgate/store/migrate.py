"""Apply Alembic migrations programmatically (used by `calgate serve` and `calgate db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from calgate.store.db import create_sqlite_file, sync_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option(
        "sqlalchemy.url", sync_url(database_url).render_as_string(hide_password=False)
    )
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    create_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    """The applied revision(s), comma-separated when several branches are applied."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
            return ",".join(sorted(heads)) or None
    finally:
        engine.dispose()

"""Helpers for the robustness tests: row counts over every table."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select

from calgate.store.db import sync_url
from calgate.store.models import Base


def row_counts(db_url: str) -> dict[str, int]:
    """Rows per table: a refused request must leave every count as it was."""
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()

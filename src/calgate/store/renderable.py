"""Nothing is committed that a response could not render (issue 12, defect 1).

A write used to commit first and render after: a value that could not be encoded as UTF-8 JSON
(a lone surrogate) made the write answer 500 although it was stored, and every later read of
the row 500 too. The body guard (`web.bodies`) keeps such text out of request bodies; this is
the general guard behind it, whatever path a value takes to the database: before any flush,
every text value about to be written, inside JSON columns included, must be Unicode text that
UTF-8 can carry and hold no NUL (PostgreSQL refuses it in text). Otherwise the flush raises
`BadRequest`, the service's transaction rolls back and nothing is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from calgate.errors import BadRequest


def _text_problem(value: Any) -> str | None:
    if isinstance(value, str):
        if "\x00" in value:
            return "holds a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode text (lone surrogate)"
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _text_problem(key) or _text_problem(item)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for item in value:
            found = _text_problem(item)
            if found:
                return found
    return None


def check_renderable(obj: object) -> None:
    """Raise BadRequest if a loaded column value of ``obj`` could not be rendered."""
    state = inspect(obj)
    # Only the values loaded in memory: reading an expired one would query the database.
    loaded = state.dict
    for column in state.mapper.column_attrs:
        if column.key in loaded:
            problem = _text_problem(loaded[column.key])
            if problem:
                raise BadRequest(f"{state.mapper.class_.__name__}.{column.key} {problem}")


@event.listens_for(Session, "before_flush")
def _refuse_unrenderable(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        check_renderable(obj)

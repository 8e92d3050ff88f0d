"""What a running app (a TestClient's) has stored, read on its own database and event loop;
and the SQL statements it runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Select, event
from starlette.testclient import TestClient


def rows(client: TestClient, statement: Select[Any]) -> list[Any]:
    """The rows ``statement`` selects (each unpacks and compares as a tuple)."""
    return _run(client, statement, scalars=False)


def scalars(client: TestClient, statement: Select[Any]) -> list[Any]:
    """The first column of each row ``statement`` selects (the objects, for one entity)."""
    return _run(client, statement, scalars=True)


def _run(client: TestClient, statement: Select[Any], *, scalars: bool) -> list[Any]:
    db = client.app.state.calgate.db  # type: ignore[attr-defined]

    async def read() -> list[Any]:
        async with db.session() as session:
            result = await session.execute(statement)
            return list(result.scalars() if scalars else result)

    assert client.portal is not None
    return client.portal.call(read)


def _background() -> bool:
    """Whether the running code is the app's background work (its tasks are named calgate-*:
    outbox loops, deliveries, periodic sweeps), which runs whenever its timers say."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop: a test's own synchronous engine
        return False
    return task is not None and task.get_name().startswith("calgate-")


@contextmanager
def statements() -> Iterator[list[str]]:
    """The queries any engine in this process runs inside the block (how many a request costs:
    one per row of a list is a bug a user waits on), less transaction control and the app's
    background work."""
    ran: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement in ("BEGIN", "COMMIT", "ROLLBACK") or _background():
            return
        ran.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield ran
    finally:
        event.remove(Engine, "before_cursor_execute", record)

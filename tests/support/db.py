"""What a running app (a TestClient's) has stored, read on its own database and event loop."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
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

"""`serialise`: two transactions that take the same name run one after the other, the second
going on only once the first has committed (a recurring series' write-back reads the series
under its name, calendars.outbox)."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from calgate.store.db import Database, serialise


def test_one_name_is_one_transaction_at_a_time(client: TestClient) -> None:
    db: Database = client.app.state.calgate.db  # type: ignore[attr-defined]
    order: list[str] = []

    async def run() -> None:
        holding = asyncio.Event()
        release = asyncio.Event()

        async def first() -> None:
            async with db.transaction() as session:
                await serialise(session, "series s1")
                order.append("first")
                holding.set()
                await release.wait()
                order.append("first commits")

        async def second() -> None:
            await holding.wait()
            async with db.transaction() as session:
                await serialise(session, "series s1")
                order.append("second")

        tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
        await holding.wait()
        await asyncio.sleep(0.5)
        assert order == ["first"]
        release.set()
        await asyncio.gather(*tasks)

    assert client.portal is not None
    client.portal.call(run)
    assert order == ["first", "first commits", "second"]

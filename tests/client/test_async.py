"""AsyncClient: the same resources, awaited, in both modes."""

from __future__ import annotations

import pytest

from calgate.client import AsyncClient
from tests.client.conftest import HOST_ZONE, Target, next_workday

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_book_list_cancel(target: Target) -> None:
    day = next_workday()
    async with AsyncClient(config=target.config) as client:
        assert (await client.me.get()).email == target.email
        days = await client.slots.available(target.event_type_id, day, day, time_zone=HOST_ZONE)
        first = days[day.isoformat()][0].start
        booking = await client.bookings.create(
            event_type_id=target.event_type_id,
            start=first,
            name="Async Guest",
            email="async@example.com",
            time_zone=HOST_ZONE,
        )
        assert [b.uid async for b in client.bookings.list(status="upcoming", page_size=1)] == [
            booking.uid
        ]
        assert (await client.bookings.cancel(booking.uid)).status == "cancelled"
        explained = await client.slots.explain(target.event_type_id, first)
        assert explained.bookable
        assert explained.reasons == []

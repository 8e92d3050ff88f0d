"""AsyncClient: the same resources, awaited, in both modes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from calgate.client import AsyncClient
from calgate.client.models import Booking
from tests.client.conftest import HOST_ZONE, Target, at, next_workday, recurring_event_type

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


async def test_booking_people_and_location(target: Target) -> None:
    day = next_workday()
    async with AsyncClient(config=target.config) as client:
        days = await client.slots.available(target.event_type_id, day, day, time_zone=HOST_ZONE)
        booking = await client.bookings.create(
            event_type_id=target.event_type_id,
            start=days[day.isoformat()][-1].start,
            name="Async Guest",
            email="async@example.com",
            time_zone=HOST_ZONE,
        )
        added = await client.bookings.attendees.add(
            booking.uid, name="Eve", email="eve@example.com", time_zone=HOST_ZONE
        )
        assert [a.id for a in await client.bookings.attendees.list(booking.uid)][-1] == added.id
        assert (await client.bookings.attendees.get(booking.uid, added.id or 0)).name == "Eve"
        with_guest = await client.bookings.add_guests(booking.uid, ["fay@example.com"])
        assert "fay@example.com" in with_guest.guests
        moved = await client.bookings.update_location(
            booking.uid, {"type": "address", "address": "1 Main St"}
        )
        assert moved.location == "1 Main St"
        links = await client.bookings.calendar_links(booking.uid)
        assert links[3].link.startswith("data:text/calendar,")
        assert await client.bookings.references(booking.uid) == []


async def test_recurring_series(target: Target) -> None:
    day = next_workday()
    with target.client() as setup:
        et = recurring_event_type(setup, occurrences=3)
    async with AsyncClient(config=target.config) as client:
        series = await client.bookings.create(
            event_type_id=et,
            start=at(day, 11),
            name="Async Rae",
            email="rae@example.com",
            time_zone=HOST_ZONE,
            recurrence_count=2,
        )
        assert isinstance(series, list)
        assert [b.start for b in series] == [at(day, 11), at(day + timedelta(weeks=1), 11)]
        series_uid = series[0].recurring_booking_uid or ""
        found = await client.bookings.get(series_uid)
        assert isinstance(found, list)
        assert [b.uid for b in found] == [b.uid for b in series]
        first = await client.bookings.cancel(series[0].uid, cancel_subsequent_bookings=True)
        assert isinstance(first, Booking)
        found = await client.bookings.get(series_uid)
        assert isinstance(found, list)
        assert [b.status for b in found] == ["cancelled", "cancelled"]

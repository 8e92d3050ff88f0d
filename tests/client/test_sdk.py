"""The SDK against a live calgate, in direct and in gateway mode."""

from __future__ import annotations

from datetime import timedelta

import pytest

from calgate.client import (
    AuthenticationError,
    BadRequest,
    Call,
    Client,
    ClientConfig,
    Conflict,
    NotFound,
    NotSupported,
)
from calgate.client.models import Booking
from calgate.client.resources._base import many
from calgate.client.transport import page_by_cursor
from tests.client.conftest import HOST_ZONE, Target, at, next_workday, recurring_event_type


def test_me(target: Target) -> None:
    with target.client() as client:
        me = client.me.get()
        assert me.email == target.email
        assert me.time_zone == HOST_ZONE
        assert client.me.update(name="Host Renamed").name == "Host Renamed"


def test_find_book_list_reschedule_cancel(target: Target) -> None:
    day = next_workday()
    with target.client() as client:
        # Asked in Tokyo, the host's 09:00-17:00 New York day spans two Tokyo dates.
        days = client.slots.available(
            target.event_type_id, at(day, 0), at(day, 23, 59), time_zone="Asia/Tokyo"
        )
        starts = sorted(s.start for slots in days.values() for s in slots)
        assert starts[0] == at(day, 9)
        assert starts[-1] == at(day, 16, 30)
        assert starts[0].utcoffset() == timedelta(hours=9)

        booking = client.bookings.create(
            event_type_id=target.event_type_id,
            start=starts[0],
            name="Guest",
            email="guest@example.com",
            time_zone="Asia/Tokyo",
        )
        assert booking.status == "accepted"
        assert booking.start == at(day, 9)
        assert booking.attendees[0].email == "guest@example.com"

        listed = [b.uid for b in client.bookings.list(status="upcoming")]
        assert booking.uid in listed
        assert client.bookings.get(booking.uid).uid == booking.uid

        with pytest.raises(BadRequest) as refused:
            client.bookings.create(
                event_type_id=target.event_type_id,
                start=starts[0],
                name="Second",
                email="second@example.com",
                time_zone=HOST_ZONE,
            )
        assert refused.value.status_code == 400
        assert refused.value.code == "BadRequestException"
        assert refused.value.message

        moved = client.bookings.reschedule(booking.uid, at(day, 11), reason="later")
        assert moved.uid != booking.uid
        assert moved.start == at(day, 11)

        cancelled = client.bookings.cancel(moved.uid, reason="no longer needed")
        assert cancelled.status == "cancelled"
        assert moved.uid in [b.uid for b in client.bookings.list(status="cancelled")]


def test_recurring_series(target: Target) -> None:
    """A recurring event type books every occurrence: `create` answers them as a list, the
    series' uid gets or cancels them together, an occurrence's uid only that one."""
    day = next_workday()
    with target.client() as client:
        et = recurring_event_type(client, occurrences=3)
        series = client.bookings.create(
            event_type_id=et,
            start=at(day, 10),
            name="Rae",
            email="rae@example.com",
            time_zone="Europe/Paris",
        )
        assert isinstance(series, list)
        # Weekly at 10:00 on the host's clock, whatever the booker's zone.
        assert [b.start for b in series] == [at(day + timedelta(weeks=i), 10) for i in range(3)]
        assert {b.status for b in series} == {"accepted"}
        (series_uid,) = {b.recurring_booking_uid for b in series}
        assert series_uid
        assert series_uid not in {b.uid for b in series}

        found = client.bookings.get(series_uid)
        assert isinstance(found, list)
        assert [b.uid for b in found] == [b.uid for b in series]
        second = client.bookings.get(series[1].uid)
        assert isinstance(second, Booking)
        assert second.recurring_booking_uid == series_uid

        cancelled = client.bookings.cancel(series[1].uid, cancel_subsequent_bookings=True)
        assert isinstance(cancelled, Booking)
        assert (cancelled.uid, cancelled.status) == (series[1].uid, "cancelled")
        found = client.bookings.get(series_uid)
        assert isinstance(found, list)
        assert [b.status for b in found] == ["accepted", "cancelled", "cancelled"]

        shorter = client.bookings.create(
            event_type_id=et,
            start=at(day, 12),
            name="Sam",
            email="sam@example.com",
            time_zone=HOST_ZONE,
            recurrence_count=2,
        )
        assert isinstance(shorter, list)
        assert [b.start for b in shorter] == [at(day, 12), at(day + timedelta(weeks=1), 12)]
        with pytest.raises(BadRequest, match="recurrenceCount"):
            client.bookings.create(
                event_type_id=et,
                start=at(day, 14),
                name="Tim",
                email="tim@example.com",
                time_zone=HOST_ZONE,
                recurrence_count=4,
            )

        # The series' uid cancels what is left of it, answered as a list.
        rest = client.bookings.cancel(series_uid, reason="project ended")
        assert isinstance(rest, list)
        assert [(b.uid, b.status) for b in rest] == [(series[0].uid, "cancelled")]


def test_listing_follows_pages(target: Target) -> None:
    day = next_workday()
    with target.client() as client:
        made = {
            client.bookings.create(
                event_type_id=target.event_type_id,
                start=at(day, hour),
                name=f"Guest {hour}",
                email=f"g{hour}@example.com",
                time_zone=HOST_ZONE,
            ).uid
            for hour in (9, 10, 11)
        }
        seen = [b.uid for b in client.bookings.list(page_size=1)]
        assert sorted(seen) == sorted(made)
        # Cal.com's legacy listing pages by `nextCursor`; a prepared call can follow it too.
        legacy = Call(
            "GET",
            "/v2/bookings",
            many(Booking, "bookings"),
            params={"take": 2},
            next_page=page_by_cursor,
        )
        assert sorted(b.uid for b in client.pages(legacy)) == sorted(made)


def test_event_types_and_their_webhooks(target: Target) -> None:
    with target.client() as client:
        created = client.event_types.create(
            title="Deep dive", slug="deep-dive", length_in_minutes=60
        )
        assert created.length_in_minutes == 60
        assert created.id in [e.id for e in client.event_types.list()]
        updated = client.event_types.update(created.id, title="Deeper dive")
        assert client.event_types.get(created.id).title == updated.title == "Deeper dive"
        with pytest.raises(Conflict) as dup:
            client.event_types.create(title="Again", slug="deep-dive", length_in_minutes=30)
        assert dup.value.code == "ConflictException"

        hook = client.event_types.webhooks.create(
            created.id, subscriber_url="https://example.com/hook", triggers=["BOOKING_CREATED"]
        )
        assert [h.id for h in client.event_types.webhooks.list(created.id)] == [hook.id]
        client.event_types.webhooks.update(created.id, hook.id, active=False)
        assert client.event_types.webhooks.get(created.id, hook.id).active is False
        client.event_types.webhooks.delete(created.id, hook.id)

        client.event_types.delete(created.id)
        with pytest.raises(NotFound) as gone:
            client.event_types.get(created.id)
        assert not isinstance(gone.value, NotSupported)


def test_schedules_and_webhooks(target: Target) -> None:
    with target.client() as client:
        default = client.schedules.default()
        assert default.is_default
        made = client.schedules.create(name="Evenings", time_zone="Europe/Berlin")
        assert made.id in [s.id for s in client.schedules.list()]
        assert client.schedules.update(made.id, name="Late").name == "Late"
        client.schedules.delete(made.id)

        hook = client.webhooks.create(
            subscriber_url="https://example.com/user-hook", triggers=["BOOKING_CANCELLED"]
        )
        assert client.webhooks.get(hook.id).subscriber_url == "https://example.com/user-hook"
        assert hook.id in [h.id for h in client.webhooks.list()]
        assert client.webhooks.deliveries(hook.id) == []
        client.webhooks.delete(hook.id)


def test_reservations(target: Target) -> None:
    start = at(next_workday(), 14)
    with target.client() as client:
        held = client.slots.reserve(target.event_type_id, start)
        assert held.slot_start == start
        assert client.slots.reservations.get(held.reservation_uid).event_type_id == (
            target.event_type_id
        )
        client.slots.reservations.delete(held.reservation_uid)


def test_explain_and_refusal_reasons(target: Target) -> None:
    start = at(next_workday(), 10)
    with target.client() as client:
        free = client.slots.explain(target.event_type_id, start, time_zone=HOST_ZONE)
        assert free.bookable
        assert free.start == start
        client.bookings.create(
            event_type_id=target.event_type_id,
            start=start,
            name="First",
            email="first@example.com",
            time_zone=HOST_ZONE,
        )
        taken = client.slots.explain(target.event_type_id, start, time_zone=HOST_ZONE)
        assert not taken.bookable
        assert [r.code for r in taken.reasons] == ["busy_booking"]
        assert taken.nearest is not None
        assert taken.nearest.after is not None
        with pytest.raises(BadRequest) as refused:
            client.bookings.create(
                event_type_id=target.event_type_id,
                start=start,
                name="Second",
                email="second@example.com",
                time_zone=HOST_ZONE,
            )
        assert [r["code"] for r in refused.value.reasons] == ["busy_booking"]


def test_booking_people_location_links(target: Target) -> None:
    day = next_workday()
    with target.client() as client:
        booking = client.bookings.create(
            event_type_id=target.event_type_id,
            start=at(day, 10),
            name="Guest",
            email="guest@example.com",
            time_zone=HOST_ZONE,
        )
        added = client.bookings.attendees.add(
            booking.uid, name="Bob", email="bob@example.com", time_zone="UTC", language="en"
        )
        assert added.email == "bob@example.com"
        assert client.bookings.attendees.get(booking.uid, added.id or 0).name == "Bob"
        people = [a.email for a in client.bookings.attendees.list(booking.uid)]
        assert people == ["guest@example.com", "bob@example.com"]
        withguests = client.bookings.add_guests(
            booking.uid, ["carol@example.com", {"email": "dan@example.com", "name": "Dan"}]
        )
        assert withguests.guests == ["bob@example.com", "carol@example.com", "dan@example.com"]
        with pytest.raises(BadRequest):
            client.bookings.add_guests(booking.uid, ["carol@example.com"])

        moved = client.bookings.update_location(
            booking.uid, {"type": "link", "link": "https://meet.example.com/sdk"}
        )
        assert moved.meeting_url == "https://meet.example.com/sdk"
        links = client.bookings.calendar_links(booking.uid)
        assert [link.label for link in links][:4] == [
            "Google Calendar",
            "Microsoft Office",
            "Microsoft Outlook",
            "ICS",
        ]
        assert client.bookings.references(booking.uid) == []
        assert client.bookings.references(booking.uid, type="caldav_calendar") == []


def test_endpoints_the_server_lacks_say_so(target: Target) -> None:
    with target.client() as client:
        # Every resource the SDK has exists now; a Cal.com route calgate lacks (recordings of
        # Cal Video, which calgate doesn't host) still says so rather than "not found".
        recordings = Call(
            "GET", "/v2/bookings/nope/recordings", many(Booking), version="2024-08-13"
        )
        with pytest.raises(NotSupported, match="not supported by this server"):
            client.send(recordings)
        with pytest.raises(NotFound) as missing:
            client.bookings.get("no-such-booking")
        assert type(missing.value) is NotFound


def test_bad_credentials(target: Target) -> None:
    config = (
        ClientConfig(base_url=target.url, gateway_key="cgw_wrong")
        if target.mode == "gateway"
        else ClientConfig(base_url=target.url, api_key="cal_wrong")
    )
    with Client(config=config) as client, pytest.raises(AuthenticationError) as denied:
        client.me.get()
    assert denied.value.status_code == 401
    assert denied.value.code == "UnauthorizedException"


def test_connections(gateway_target: Target) -> None:
    with gateway_target.client() as client:
        active = client.connections.list(status="ACTIVE")
        assert [c.connection_id for c in active] == [gateway_target.connection_id]
        pending = client.connections.create()
        assert pending.status == "PENDING"
        assert "/connect" in (pending.url or "")
        assert client.connections.get(pending.connection_id).status == "PENDING"
        client.connections.delete(pending.connection_id)
        with pytest.raises(NotFound):
            client.connections.get(pending.connection_id)
        # The connection header picks the connection the call goes through.
        assert client.me.get().email == gateway_target.email


def test_unknown_connection_is_refused(gateway_target: Target) -> None:
    config = ClientConfig(
        base_url=gateway_target.url,
        gateway_key=gateway_target.gateway_key,
        connection="00000000-0000-0000-0000-000000000000",
    )
    with Client(config=config) as client, pytest.raises(BadRequest):
        client.me.get()


def test_naive_datetimes_are_refused(target: Target) -> None:
    naive = at(next_workday(), 10).replace(tzinfo=None)
    with target.client() as client, pytest.raises(ValueError, match="time zone"):
        client.bookings.create(
            event_type_id=1, start=naive, name="x", email="x@example.com", time_zone=HOST_ZONE
        )

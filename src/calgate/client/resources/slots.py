"""`/v2/slots`: free starts, reservations, and calgate's `/v2/slots/explain`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from calgate.client.models import Explanation, Reservation, Slot
from calgate.client.resources._base import (
    SLOTS,
    day_or_instant,
    drop_none,
    instant,
    nothing,
    one,
)
from calgate.client.resources._resource import Resource, Tr, child, operation
from calgate.client.transport import AsyncTransport, Call, SyncTransport

SlotDays = dict[str, list[Slot]]


def _slot_days(data: Any) -> SlotDays:
    return {day: [Slot.model_validate(s) for s in slots] for day, slots in (data or {}).items()}


def available_slots(
    event_type_id: int,
    start: date | datetime | str,
    end: date | datetime | str,
    *,
    time_zone: str | None = None,
    duration: int | None = None,
    ranges: bool = False,
) -> Call[SlotDays]:
    """Free starts grouped by day in `time_zone` (a date `end` is inclusive)."""
    params = drop_none(
        eventTypeId=event_type_id,
        start=day_or_instant(start),
        end=day_or_instant(end),
        timeZone=time_zone,
        duration=duration,
        format="range" if ranges else None,
    )
    return Call("GET", "/v2/slots", _slot_days, params=params, version=SLOTS)


def explain_slot(
    event_type_id: int,
    start: datetime | str,
    *,
    time_zone: str | None = None,
    length_in_minutes: int | None = None,
) -> Call[Explanation]:
    params = drop_none(
        eventTypeId=event_type_id,
        start=instant(start),
        timeZone=time_zone,
        lengthInMinutes=length_in_minutes,
    )
    return Call("GET", "/v2/slots/explain", one(Explanation), params=params, version=SLOTS)


def reserve_slot(
    event_type_id: int,
    start: datetime | str,
    *,
    duration: int | None = None,
    reservation_minutes: int | None = None,
) -> Call[Reservation]:
    body = drop_none(
        eventTypeId=event_type_id,
        slotStart=instant(start),
        slotDuration=duration,
        reservationDuration=reservation_minutes,
    )
    return Call("POST", "/v2/slots/reservations", one(Reservation), json=body, version=SLOTS)


def get_reservation(uid: str) -> Call[Reservation]:
    return Call("GET", f"/v2/slots/reservations/{uid}", one(Reservation), version=SLOTS)


def update_reservation(
    uid: str, event_type_id: int, start: datetime | str, *, duration: int | None = None
) -> Call[Reservation]:
    body = drop_none(eventTypeId=event_type_id, slotStart=instant(start), slotDuration=duration)
    return Call(
        "PATCH", f"/v2/slots/reservations/{uid}", one(Reservation), json=body, version=SLOTS
    )


def delete_reservation(uid: str) -> Call[None]:
    return Call("DELETE", f"/v2/slots/reservations/{uid}", nothing, version=SLOTS)


class _Reservations(Resource[Tr]):
    @operation
    def create(
        self,
        event_type_id: int,
        start: datetime | str,
        *,
        duration: int | None = None,
        reservation_minutes: int | None = None,
    ) -> Call[Reservation]:
        return reserve_slot(
            event_type_id, start, duration=duration, reservation_minutes=reservation_minutes
        )

    @operation
    def get(self, uid: str) -> Call[Reservation]:
        return get_reservation(uid)

    @operation
    def update(
        self, uid: str, event_type_id: int, start: datetime | str, *, duration: int | None = None
    ) -> Call[Reservation]:
        return update_reservation(uid, event_type_id, start, duration=duration)

    @operation
    def delete(self, uid: str) -> Call[None]:
        return delete_reservation(uid)


class Reservations(_Reservations[SyncTransport]): ...


class AsyncReservations(_Reservations[AsyncTransport]): ...


class _Slots(Resource[Tr]):
    reservations = child(Reservations, AsyncReservations)

    @operation
    def available(
        self,
        event_type_id: int,
        start: date | datetime | str,
        end: date | datetime | str,
        *,
        time_zone: str | None = None,
        duration: int | None = None,
        ranges: bool = False,
    ) -> Call[SlotDays]:
        return available_slots(
            event_type_id, start, end, time_zone=time_zone, duration=duration, ranges=ranges
        )

    @operation
    def explain(
        self,
        event_type_id: int,
        start: datetime | str,
        *,
        time_zone: str | None = None,
        length_in_minutes: int | None = None,
    ) -> Call[Explanation]:
        """Why `start` is or is not bookable (`NotSupported` on servers without it)."""
        return explain_slot(
            event_type_id, start, time_zone=time_zone, length_in_minutes=length_in_minutes
        )

    @operation
    def reserve(
        self,
        event_type_id: int,
        start: datetime | str,
        *,
        duration: int | None = None,
        reservation_minutes: int | None = None,
    ) -> Call[Reservation]:
        """Hold a slot for a few minutes so nobody else books it meanwhile."""
        return reserve_slot(
            event_type_id, start, duration=duration, reservation_minutes=reservation_minutes
        )


class Slots(_Slots[SyncTransport]): ...


class AsyncSlots(_Slots[AsyncTransport]): ...

"""Available slots and slot reservations, as a Cal.com client sees them over HTTP.

Covers the legacy endpoints (`/v2/slots/available`, `/v2/slots/reserve`,
`/v2/slots/selected-slot`) and the `cal-api-version: 2024-09-04` ones (`/v2/slots`,
`/v2/slots/reservations`). Dates are always computed weeks ahead of today so nothing rots.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from time import time as wall
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from starlette.testclient import TestClient

from calgate.services.slots import ANONYMOUS_MAX_STARTS
from tests.support.api import assert_error
from tests.support.clock import at, travel, z, zms

V_SLOTS = {"cal-api-version": "2024-09-04"}
V_BOOKINGS = {"cal-api-version": "2024-08-13"}
V_EVENT_TYPES = {"cal-api-version": "2024-06-14"}
V_SCHEDULES = {"cal-api-version": "2024-06-11"}


# -- dates -------------------------------------------------------------------------------------


def monday(month: int | None = None) -> date:
    """A Monday at least two weeks ahead. With `month`, the Monday within days 8-14 of that
    month (January: northern winter time everywhere; July: summer time)."""
    earliest = datetime.now(UTC).date() + timedelta(days=14)
    if month is None:
        return earliest + timedelta(days=(7 - earliest.weekday()) % 7)
    year = earliest.year
    while True:
        day = date(year, month, 8)
        day += timedelta(days=(7 - day.weekday()) % 7)
        if day >= earliest:
            return day
        year += 1


def day_slots(day: date, tz: str, first: str, last: str, step: int) -> list[str]:
    """Expected slot starts (Cal.com's UTC form) from local `first` to local `last` inclusive."""
    start, stop = at(day, first, tz), at(day, last, tz)
    out = []
    while start <= stop:
        out.append(zms(start))
        start += timedelta(minutes=step)
    return out


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


# -- API helpers -------------------------------------------------------------------------------


def make_event_type(client: TestClient, acct: Any, **fields: Any) -> int:
    body: dict[str, Any] = {
        "title": "Meeting",
        "slug": f"meeting-{uuid.uuid4().hex[:8]}",
        "lengthInMinutes": 30,
        "minimumBookingNotice": 0,
        **fields,
    }
    r = client.post("/v2/event-types", headers={**acct.headers, **V_EVENT_TYPES}, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def legacy_slots(
    client: TestClient,
    event_type_id: int,
    start: datetime,
    end: datetime,
    tz: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, list[str]]:
    params: dict[str, Any] = {
        "eventTypeId": event_type_id,
        "startTime": z(start),
        "endTime": z(end),
    }
    if tz:
        params["timeZone"] = tz
    r = client.get("/v2/slots/available", params=params, headers=headers or {})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    assert set(body["data"]) == {"slots"}
    return {d: [s["time"] for s in items] for d, items in body["data"]["slots"].items()}


def slots_v2(
    client: TestClient,
    start: datetime | str,
    end: datetime | str,
    tz: str | None = "UTC",
    headers: dict[str, str] | None = None,
    **params: Any,
) -> dict[str, list[dict[str, Any]]]:
    query: dict[str, Any] = {
        "start": z(start) if isinstance(start, datetime) else start,
        "end": z(end) if isinstance(end, datetime) else end,
        **params,
    }
    if tz:
        query["timeZone"] = tz
    r = client.get("/v2/slots", params=query, headers={**V_SLOTS, **(headers or {})})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    data: dict[str, list[dict[str, Any]]] = body["data"]
    return data


def flat(slots: dict[str, list[str]]) -> list[str]:
    return [t for d in sorted(slots) for t in slots[d]]


def book(
    client: TestClient, event_type_id: int, start: datetime, email: str = "guest@example.com"
) -> dict[str, Any]:
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": z(start),
            "eventTypeId": event_type_id,
            "attendee": {"name": "Guest", "email": email, "timeZone": "Europe/London"},
        },
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def whole_day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), UTC)
    return start, start + timedelta(days=1)


# -- working hours, time zones, DST ------------------------------------------------------------


def test_legacy_slots_new_york_winter_match_skill_document(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="America/New_York")
    et = make_event_type(client, acct)
    day = monday(1)
    r = client.get(
        "/v2/slots/available",
        params={
            "eventTypeId": et,
            "startTime": z(whole_day(day)[0]),
            "endTime": z(whole_day(day)[1]),
        },
    )
    assert r.status_code == 200, r.text
    expected = [
        {"time": f"{day.isoformat()}T{h:02d}:{m:02d}:00.000Z"}
        for h in range(14, 22)
        for m in (0, 30)
    ]
    # 09:00-17:00 EST is 14:00Z-22:00Z; the last 30-minute slot starts at 21:30Z.
    assert r.json() == {"status": "success", "data": {"slots": {day.isoformat(): expected}}}


def test_new_york_slots_follow_dst_offsets(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="America/New_York")
    et = make_event_type(client, acct)
    for month, offset, first_utc in ((1, "-05:00", "14:00"), (7, "-04:00", "13:00")):
        day = monday(month)
        data = slots_v2(client, *whole_day(day), tz="America/New_York", eventTypeId=et)
        starts = [s["start"] for s in data[day.isoformat()]]
        assert list(data) == [day.isoformat()]
        assert starts[0] == f"{day.isoformat()}T09:00:00.000{offset}"
        assert starts[-1] == f"{day.isoformat()}T16:30:00.000{offset}"
        assert len(starts) == 16
        legacy = legacy_slots(client, et, *whole_day(day))
        assert flat(legacy)[0] == f"{day.isoformat()}T{first_utc}:00.000Z"
        assert [instant(s) for s in starts] == [instant(t) for t in flat(legacy)]


def test_asia_kolkata_half_hour_offset(client: TestClient, make_account: Any) -> None:
    # Cal.com aligns hourly slots on the schedule's local hours (cal.com PR #10161), so an
    # hourly event in +05:30 starts at 09:00 local = 03:30Z, not 04:00Z.
    acct = make_account(time_zone="Asia/Kolkata")
    et = make_event_type(client, acct, lengthInMinutes=60)
    day = monday()
    legacy = legacy_slots(client, et, *whole_day(day))
    assert legacy == {day.isoformat(): day_slots(day, "UTC", "03:30", "10:30", 60)}
    data = slots_v2(client, *whole_day(day), tz="Asia/Kolkata", eventTypeId=et)
    assert [s["start"] for s in data[day.isoformat()]] == [
        f"{day.isoformat()}T{h:02d}:00:00.000+05:30" for h in range(9, 17)
    ]


def test_same_slots_whatever_time_zone_the_caller_asks_in(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="America/New_York")
    et = make_event_type(client, acct)
    day = monday()
    lo, hi = at(day, "00:00", "America/New_York"), at(day, "23:59", "America/New_York")
    reference: list[datetime] | None = None
    for tz in ("UTC", "America/New_York", "Asia/Tokyo", "Asia/Kolkata", "Pacific/Auckland"):
        data = slots_v2(client, lo, hi, tz=tz, eventTypeId=et)
        offset = datetime.combine(day, time(12), ZoneInfo(tz)).strftime("%z")
        label = f"{offset[:3]}:{offset[3:]}" if offset != "+0000" else "+00:00"
        moments = []
        for key, items in data.items():
            for item in items:
                start = datetime.fromisoformat(item["start"])
                # Labelled in the caller's zone, grouped by the caller's local date.
                assert start.date().isoformat() == key, (tz, key, item)
                assert item["start"].endswith(label), (tz, item)
                assert item["start"][19:23] == ".000", item
                moments.append(start.astimezone(UTC))
        if reference is None:
            reference = moments
        assert moments == reference, tz
    assert reference is not None
    assert len(reference) == 16
    # Monday 09:00-17:00 in New York straddles midnight in Tokyo: two local dates.
    tokyo = slots_v2(client, lo, hi, tz="Asia/Tokyo", eventTypeId=et)
    assert list(tokyo) == [day.isoformat(), (day + timedelta(days=1)).isoformat()]


def test_legacy_groups_by_callers_date_but_times_stay_utc(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="America/New_York")
    et = make_event_type(client, acct)
    day = monday(1)
    lo, hi = whole_day(day)
    utc = legacy_slots(client, et, lo, hi + timedelta(days=1))
    tokyo = legacy_slots(client, et, lo, hi + timedelta(days=1), tz="Asia/Tokyo")
    assert flat(utc) == flat(tokyo)
    # 14:00Z is 23:00 Monday in Tokyo; 15:00Z onwards is already Tuesday there.
    assert tokyo[day.isoformat()] == [f"{day.isoformat()}T14:00:00.000Z", f"{day}T14:30:00.000Z"]
    assert tokyo[(day + timedelta(days=1)).isoformat()][0] == f"{day}T15:00:00.000Z"


def test_date_only_range_means_the_callers_local_days(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="America/New_York")
    et = make_event_type(client, acct)
    day = monday()
    data = slots_v2(client, day.isoformat(), day.isoformat(), tz="America/New_York", eventTypeId=et)
    assert list(data) == [day.isoformat()]
    assert len(data[day.isoformat()]) == 16


def test_weekend_has_no_slots_and_empty_data_is_an_empty_object(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    saturday = monday() + timedelta(days=5)
    lo, hi = datetime.combine(saturday, time(), UTC), datetime.combine(saturday, time(), UTC)
    hi += timedelta(days=2)
    r = client.get(
        "/v2/slots", params={"eventTypeId": et, "start": z(lo), "end": z(hi)}, headers=V_SLOTS
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "success", "data": {}}
    assert legacy_slots(client, et, lo, hi) == {}


def test_schedule_time_zone_not_user_time_zone_drives_hours(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="America/New_York")
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers={**acct.headers, **V_SCHEDULES},
        json={"timeZone": "Europe/Berlin"},
    )
    assert r.status_code == 200, r.text
    et = make_event_type(client, acct, lengthInMinutes=60)
    day = monday(1)
    # 09:00-17:00 Berlin (CET, +01:00) is 08:00Z-16:00Z.
    assert legacy_slots(client, et, *whole_day(day)) == {
        day.isoformat(): day_slots(day, "UTC", "08:00", "15:00", 60)
    }


def test_event_type_schedule_overrides_default_schedule(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    r = client.post(
        "/v2/schedules",
        headers={**acct.headers, **V_SCHEDULES},
        json={"name": "Saturdays", "timeZone": "Asia/Tokyo", "isDefault": False,
              "availability": [{"days": ["Saturday"], "startTime": "10:00", "endTime": "12:00"}]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    et = make_event_type(client, acct, lengthInMinutes=60, scheduleId=r.json()["data"]["id"])
    plain = make_event_type(client, acct, lengthInMinutes=60)
    day = monday()
    lo, hi = whole_day(day - timedelta(days=1))[0], whole_day(day + timedelta(days=6))[1]
    saturday = day + timedelta(days=5)
    # Saturday 10:00-12:00 Tokyo is 01:00Z-03:00Z.
    assert legacy_slots(client, et, lo, hi) == {
        saturday.isoformat(): [f"{saturday}T01:00:00.000Z", f"{saturday}T02:00:00.000Z"]
    }
    assert len(legacy_slots(client, plain, lo, hi)) == 5


# -- event type settings -----------------------------------------------------------------------


def test_format_range_and_duration_choose_slot_length(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, lengthInMinutesOptions=[30, 60])
    day = monday()
    data = slots_v2(client, *whole_day(day), eventTypeId=et, duration=60, format="range")
    items = data[day.isoformat()]
    assert [i["start"] for i in items] == [
        f"{day.isoformat()}T{h:02d}:00:00.000+00:00" for h in range(9, 17)
    ]
    for item in items:
        assert set(item) == {"start", "end"}
        assert instant(item["end"]) - instant(item["start"]) == timedelta(minutes=60)
    default = slots_v2(client, *whole_day(day), eventTypeId=et)[day.isoformat()]
    assert len(default) == 16
    assert set(default[0]) == {"start"}
    r = client.get(
        "/v2/slots",
        params={"eventTypeId": et, "start": z(whole_day(day)[0]), "end": z(whole_day(day)[1]),
                "duration": 45},
        headers=V_SLOTS,
    )  # fmt: skip
    assert_error(r, 400, "BadRequestException")


def test_slot_interval_steps_starts(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, slotInterval=45)
    day = monday()
    # Every 45 minutes from 09:00 while a 30-minute meeting still ends by 17:00.
    assert flat(legacy_slots(client, et, *whole_day(day))) == day_slots(
        day, "UTC", "09:00", "16:30", 45
    )


def test_lookup_by_username_and_slug(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    make_event_type(client, acct, slug="intro")
    day = monday()
    by_slug = slots_v2(
        client, *whole_day(day), tz=None, eventTypeSlug="intro", username=acct.username
    )
    assert len(by_slug[day.isoformat()]) == 16
    # Without timeZone, starts are labelled in UTC.
    assert by_slug[day.isoformat()][0] == {"start": f"{day.isoformat()}T09:00:00.000+00:00"}
    r = client.get(
        "/v2/slots/available",
        params={"eventTypeSlug": "intro", "usernameList": acct.username,
                "startTime": z(whole_day(day)[0]), "endTime": z(whole_day(day)[1])},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]["slots"][day.isoformat()]) == 16
    r = client.get(
        "/v2/slots",
        params={"eventTypeSlug": "nope", "username": acct.username,
                "start": z(whole_day(day)[0]), "end": z(whole_day(day)[1])},
        headers=V_SLOTS,
    )  # fmt: skip
    assert_error(r, 404, "NotFoundException")


def test_minimum_booking_notice_hides_early_slots(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    day = monday()
    noon = at(day, "12:00", "UTC")
    # now + notice lands 9-10 minutes after noon: the first slot is rounded up to 12:30.
    notice = int((noon - datetime.now(UTC)).total_seconds() // 60) + 10
    et = make_event_type(client, acct, minimumBookingNotice=notice)
    assert flat(legacy_slots(client, et, *whole_day(day))) == day_slots(
        day, "UTC", "12:30", "16:30", 30
    )
    # The day after is unaffected.
    tuesday = day + timedelta(days=1)
    assert len(flat(legacy_slots(client, et, *whole_day(tuesday)))) == 16
    # A year of notice leaves nothing in the next weeks.
    far = make_event_type(client, acct, minimumBookingNotice=525_600)
    assert legacy_slots(client, far, *whole_day(day)) == {}


def test_default_minimum_notice_is_applied(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    r = client.post(
        "/v2/event-types",
        headers={**acct.headers, **V_EVENT_TYPES},
        json={"title": "Default", "slug": "default", "lengthInMinutes": 30},
    )
    assert r.status_code == 201, r.text
    notice = r.json()["data"]["minimumBookingNotice"]
    # Whatever the default, slots weeks ahead are all there.
    assert len(flat(legacy_slots(client, r.json()["data"]["id"], *whole_day(monday())))) == 16
    assert isinstance(notice, int)


def test_booking_window_limits_how_far_ahead(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    day = monday()
    lo, hi = whole_day(day)[0], whole_day(day + timedelta(days=4))[1]
    week = make_event_type(client, acct, bookingWindow={"type": "calendarDays", "value": 7})
    assert legacy_slots(client, week, lo, hi) == {}
    wide = make_event_type(client, acct, bookingWindow={"type": "calendarDays", "value": 60})
    assert len(legacy_slots(client, wide, lo, hi)) == 5
    tue, wed = day + timedelta(days=1), day + timedelta(days=2)
    ranged = make_event_type(
        client, acct, bookingWindow={"type": "range", "value": [tue.isoformat(), wed.isoformat()]}
    )
    assert list(legacy_slots(client, ranged, lo, hi)) == [tue.isoformat(), wed.isoformat()]


def test_only_show_first_available_slot(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, onlyShowFirstAvailableSlot=True)
    day = monday()
    book(client, et, at(day, "09:00", "UTC"))
    lo, hi = whole_day(day)[0], whole_day(day + timedelta(days=1))[1]
    assert legacy_slots(client, et, lo, hi) == {
        day.isoformat(): [zms(at(day, "09:30", "UTC"))],
        (day + timedelta(days=1)).isoformat(): [zms(at(day + timedelta(days=1), "09:00", "UTC"))],
    }


# -- busy time ---------------------------------------------------------------------------------


def test_booked_slot_disappears_and_reappears_after_cancel(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    ten = at(day, "10:00", "UTC")
    booking = book(client, et, ten)
    remaining = flat(legacy_slots(client, et, *whole_day(day)))
    assert zms(ten) not in remaining
    assert len(remaining) == 15
    assert zms(ten - timedelta(minutes=30)) in remaining
    assert zms(ten + timedelta(minutes=30)) in remaining
    v2 = slots_v2(client, *whole_day(day), eventTypeId=et)[day.isoformat()]
    assert f"{day.isoformat()}T10:00:00.000+00:00" not in [s["start"] for s in v2]
    r = client.post(
        f"/v2/bookings/{booking['uid']}/cancel",
        headers=V_BOOKINGS,
        json={"cancellationReason": "changed my mind"},
    )
    assert r.status_code == 200, r.text
    assert zms(ten) in flat(legacy_slots(client, et, *whole_day(day)))


def test_booking_blocks_every_event_type_of_the_host(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    short = make_event_type(client, acct, lengthInMinutes=30)
    long = make_event_type(client, acct, lengthInMinutes=60)
    day = monday()
    book(client, short, at(day, "10:30", "UTC"))
    hourly = flat(legacy_slots(client, long, *whole_day(day)))
    # 10:00-11:00 overlaps 10:30-11:00; 09:00 and 11:00 do not.
    assert hourly == [zms(at(day, f"{h:02d}:00", "UTC")) for h in (9, 11, 12, 13, 14, 15, 16)]


def test_buffers_hide_neighbouring_slots(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, beforeEventBuffer=15, afterEventBuffer=15)
    day = monday()
    book(client, et, at(day, "11:00", "UTC"))
    slots = flat(legacy_slots(client, et, *whole_day(day)))
    # The booking occupies 10:45-11:45 with its buffers; a candidate needs 15 free minutes
    # either side too, so 10:30 (ends 11:00 + 15) and 11:30 (starts 11:30 - 15) are gone.
    for hhmm in ("10:30", "11:00", "11:30"):
        assert zms(at(day, hhmm, "UTC")) not in slots, hhmm
    for hhmm in ("10:00", "12:00", "16:30"):
        assert zms(at(day, hhmm, "UTC")) in slots, hhmm


def test_queried_event_types_buffers_apply_to_other_bookings(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    plain = make_event_type(client, acct)
    padded = make_event_type(client, acct, afterEventBuffer=30)
    day = monday()
    book(client, plain, at(day, "11:00", "UTC"))
    slots = flat(legacy_slots(client, padded, *whole_day(day)))
    # A padded 10:30 meeting would need 11:00-11:30 free afterwards.
    assert zms(at(day, "10:30", "UTC")) not in slots
    assert zms(at(day, "10:00", "UTC")) in slots
    assert zms(at(day, "11:30", "UTC")) in slots
    assert zms(at(day, "10:30", "UTC")) in flat(legacy_slots(client, plain, *whole_day(day)))


def test_booking_limit_per_day(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, bookingLimitsCount={"day": 1})
    day = monday()
    book(client, et, at(day, "10:00", "UTC"))
    both = legacy_slots(client, et, whole_day(day)[0], whole_day(day)[1] + timedelta(days=1))
    assert day.isoformat() not in both
    assert len(both[(day + timedelta(days=1)).isoformat()]) == 16


def test_bookings_of_other_hosts_do_not_block(client: TestClient, make_account: Any) -> None:
    alice, bob = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    et_alice = make_event_type(client, alice)
    et_bob = make_event_type(client, bob)
    day = monday()
    book(client, et_bob, at(day, "10:00", "UTC"))
    assert zms(at(day, "10:00", "UTC")) in flat(legacy_slots(client, et_alice, *whole_day(day)))


def test_booking_uid_to_reschedule_shows_its_own_slot(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    booking = book(client, et, at(day, "10:00", "UTC"))
    label = f"{day.isoformat()}T10:00:00.000+00:00"
    plain = slots_v2(client, *whole_day(day), eventTypeId=et)[day.isoformat()]
    assert label not in [s["start"] for s in plain]
    again = slots_v2(
        client, *whole_day(day), eventTypeId=et, bookingUidToReschedule=booking["uid"]
    )[day.isoformat()]
    assert label in [s["start"] for s in again]
    legacy = legacy_slots(client, et, *whole_day(day))
    assert zms(at(day, "10:00", "UTC")) not in flat(legacy)


def test_seated_slot_stays_available_until_full(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(
        client,
        acct,
        seats={"seatsPerTimeSlot": 2, "showAttendeeInfo": False, "showAvailabilityCount": True},
    )
    day = monday()
    ten = at(day, "10:00", "UTC")
    label = f"{day.isoformat()}T10:00:00.000+00:00"

    def ten_oclock() -> dict[str, Any] | None:
        items = slots_v2(client, *whole_day(day), eventTypeId=et)[day.isoformat()]
        return next((i for i in items if i["start"] == label), None)

    empty = ten_oclock()
    assert empty is not None
    assert empty["attendeesCount"] == 0
    assert "bookingUid" not in empty
    first = book(client, et, ten, "one@example.com")
    half = ten_oclock()
    assert half == {"start": label, "attendeesCount": 1, "bookingUid": first["uid"]}
    assert zms(ten) in flat(legacy_slots(client, et, *whole_day(day)))
    book(client, et, ten, "two@example.com")
    assert ten_oclock() is None
    assert zms(ten) not in flat(legacy_slots(client, et, *whole_day(day)))


# -- schedules: date overrides -----------------------------------------------------------------


def test_date_override_replaces_that_days_hours(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="America/New_York")
    et = make_event_type(client, acct)
    day = monday(1)
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers={**acct.headers, **V_SCHEDULES},
        json={"overrides": [{"date": day.isoformat(), "startTime": "12:00", "endTime": "14:00"}]},
    )
    assert r.status_code == 200, r.text
    lo, hi = at(day, "00:00", "America/New_York"), at(day, "00:00", "America/New_York")
    hi += timedelta(days=2)
    data = slots_v2(client, lo, hi, tz="America/New_York", eventTypeId=et)
    assert [s["start"] for s in data[day.isoformat()]] == [
        f"{day.isoformat()}T{t}:00.000-05:00" for t in ("12:00", "12:30", "13:00", "13:30")
    ]
    assert len(data[(day + timedelta(days=1)).isoformat()]) == 16


def test_date_override_can_open_a_weekend_day(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, lengthInMinutes=60)
    saturday = monday() + timedelta(days=5)
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers={**acct.headers, **V_SCHEDULES},
        json={
            "overrides": [{"date": saturday.isoformat(), "startTime": "10:00", "endTime": "12:00"}]
        },
    )
    assert r.status_code == 200, r.text
    assert legacy_slots(client, et, *whole_day(saturday)) == {
        saturday.isoformat(): [zms(at(saturday, "10:00", "UTC")), zms(at(saturday, "11:00", "UTC"))]
    }


def test_empty_date_override_is_a_day_off(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="Asia/Kolkata")
    et = make_event_type(client, acct)
    day = monday()
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers={**acct.headers, **V_SCHEDULES},
        json={"overrides": [{"date": day.isoformat(), "startTime": "00:00", "endTime": "00:00"}]},
    )
    assert r.status_code == 200, r.text
    lo = at(day, "00:00", "Asia/Kolkata")
    data = slots_v2(client, lo, lo + timedelta(days=2), tz="Asia/Kolkata", eventTypeId=et)
    assert list(data) == [(day + timedelta(days=1)).isoformat()]
    # Booking on the day off is refused.
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={"start": z(at(day, "10:00", "Asia/Kolkata")), "eventTypeId": et,
              "attendee": {"name": "G", "email": "g@example.com", "timeZone": "UTC"}},
    )  # fmt: skip
    assert_error(r, 400, "BadRequestException", reason="outside_availability")


def _sunday(month: int, week: int) -> date:
    """The `week`-th Sunday of `month`, at least two weeks ahead."""
    earliest = datetime.now(UTC).date() + timedelta(days=14)
    year = earliest.year
    while True:
        first = date(year, month, 1)
        day = first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (week - 1))
        if day >= earliest:
            return day
        year += 1


@pytest.mark.parametrize(
    ("month", "week", "end", "labels"),
    [
        # Spring forward: 02:00-03:00 doesn't exist; 00:00-06:00 local is five real hours.
        (3, 2, "06:00", ["00:00:00.000-05:00", "01:00:00.000-05:00", "03:00:00.000-04:00",
                         "04:00:00.000-04:00", "05:00:00.000-04:00"]),
        # Fall back: 01:00-02:00 happens twice; 00:00-04:00 local is five real hours.
        (11, 1, "04:00", ["00:00:00.000-04:00", "01:00:00.000-04:00", "01:00:00.000-05:00",
                          "02:00:00.000-05:00", "03:00:00.000-05:00"]),
    ],
)  # fmt: skip
def test_override_on_dst_change_day_counts_real_hours(
    client: TestClient,
    make_account: Any,
    month: int,
    week: int,
    end: str,
    labels: list[str],
) -> None:
    acct = make_account(time_zone="America/New_York")
    et = make_event_type(client, acct, lengthInMinutes=60)
    sunday = _sunday(month, week)
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers={**acct.headers, **V_SCHEDULES},
        json={"overrides": [{"date": sunday.isoformat(), "startTime": "00:00", "endTime": end}]},
    )
    assert r.status_code == 200, r.text
    data = slots_v2(
        client, sunday.isoformat(), sunday.isoformat(), tz="America/New_York", eventTypeId=et
    )
    assert data == {sunday.isoformat(): [{"start": f"{sunday}T{t}"} for t in labels]}
    moments = [instant(t) for t in flat(legacy_slots(client, et, *whole_day(sunday)))]
    assert moments == [moments[0] + timedelta(hours=i) for i in range(5)]


# -- reservations ------------------------------------------------------------------------------


def test_legacy_reserve_hides_slot_until_deleted(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    ten = at(day, "10:00", "UTC")
    r = client.post(
        "/v2/slots/reserve",
        json={"eventTypeId": et, "slotUtcStartDate": z(ten),
              "slotUtcEndDate": z(ten + timedelta(minutes=30))},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "success"
    uid = body["data"]
    assert isinstance(uid, str)
    uuid.UUID(uid)
    assert zms(ten) not in flat(legacy_slots(client, et, *whole_day(day)))
    # Someone else can't book it meanwhile.
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={"start": z(ten), "eventTypeId": et,
              "attendee": {"name": "G", "email": "g@example.com", "timeZone": "UTC"}},
    )  # fmt: skip
    assert_error(r, 400, "BadRequestException", reason="slot_unavailable")
    r = client.delete("/v2/slots/selected-slot", params={"uid": uid})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "success"
    assert zms(ten) in flat(legacy_slots(client, et, *whole_day(day)))
    r = client.delete("/v2/slots/selected-slot", params={"uid": uid})
    assert_error(r, 404, "NotFoundException")


def test_reservation_2024_09_04_lifecycle(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="UTC")
    booker = make_account(time_zone="UTC")
    other = make_account(time_zone="UTC")
    et = make_event_type(client, host)
    day = monday()
    ten, eleven = at(day, "10:00", "UTC"), at(day, "11:00", "UTC")
    h = {**booker.headers, **V_SLOTS}
    r = client.post(
        "/v2/slots/reservations",
        headers=h,
        json={"eventTypeId": et, "slotStart": z(ten), "reservationDuration": 10},
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    uid = data["reservationUid"]
    assert data == {
        "eventTypeId": et,
        "slotStart": zms(ten),
        "slotEnd": zms(ten + timedelta(minutes=30)),
        "slotDuration": 30,
        "reservationUid": uid,
        "reservationDuration": 10,
        "reservationUntil": data["reservationUntil"],
    }
    until = instant(data["reservationUntil"])
    assert timedelta(minutes=9) < until - datetime.now(UTC) <= timedelta(minutes=10)

    def labels(headers: dict[str, str] | None) -> list[str]:
        found = slots_v2(client, *whole_day(day), headers=headers, eventTypeId=et)
        return [s["start"] for s in found[day.isoformat()]]

    ten_label = f"{day.isoformat()}T10:00:00.000+00:00"
    eleven_label = f"{day.isoformat()}T11:00:00.000+00:00"
    assert ten_label not in labels(None)
    assert ten_label not in labels(other.headers)
    assert ten_label in labels(booker.headers)  # the holder still sees their slot

    r = client.get(f"/v2/slots/reservations/{uid}", headers=V_SLOTS)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["slotStart"] == zms(ten)

    r = client.patch(
        f"/v2/slots/reservations/{uid}",
        headers=h,
        json={"eventTypeId": et, "slotStart": z(eleven), "reservationDuration": 5},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["slotStart"] == zms(eleven)
    assert r.json()["data"]["reservationUid"] == uid
    assert r.json()["data"]["reservationDuration"] == 5
    anonymous = labels(None)
    assert ten_label in anonymous
    assert eleven_label not in anonymous

    r = client.delete(f"/v2/slots/reservations/{uid}", headers=V_SLOTS)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "success"}
    assert eleven_label in labels(None)
    assert_error(client.get(f"/v2/slots/reservations/{uid}", headers=V_SLOTS), 404)
    assert_error(client.delete(f"/v2/slots/reservations/{uid}", headers=V_SLOTS), 404)


def test_moving_a_reservation_to_another_hosts_event_type_moves_the_hold(
    client: TestClient, make_account: Any
) -> None:
    first, second = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    et_first, et_second = make_event_type(client, first), make_event_type(client, second)
    day = monday()
    ten = at(day, "10:00", "UTC")
    r = client.post(
        "/v2/slots/reservations",
        headers=V_SLOTS,
        json={"eventTypeId": et_first, "slotStart": z(ten)},
    )
    assert r.status_code == 201, r.text
    uid = r.json()["data"]["reservationUid"]
    assert zms(ten) not in flat(legacy_slots(client, et_first, *whole_day(day)))
    r = client.patch(
        f"/v2/slots/reservations/{uid}",
        headers=V_SLOTS,
        json={"eventTypeId": et_second, "slotStart": z(ten)},
    )
    assert r.status_code == 200, r.text
    assert zms(ten) in flat(legacy_slots(client, et_first, *whole_day(day)))
    assert zms(ten) not in flat(legacy_slots(client, et_second, *whole_day(day)))


def test_reservation_expires(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    ten = at(day, "10:00", "UTC")
    r = client.post(
        "/v2/slots/reservations", headers=V_SLOTS, json={"eventTypeId": et, "slotStart": z(ten)}
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["reservationDuration"] == 5
    assert zms(ten) not in flat(legacy_slots(client, et, *whole_day(day)))
    with travel(datetime.now(UTC) + timedelta(minutes=6)):
        assert zms(ten) in flat(legacy_slots(client, et, *whole_day(day)))
        assert_error(
            client.get(f"/v2/slots/reservations/{data['reservationUid']}", headers=V_SLOTS), 404
        )
        book(client, et, ten)


def test_anonymous_reservations_keep_each_other_out(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    ten = at(monday(), "10:00", "UTC")
    body = {"eventTypeId": et, "slotStart": z(ten)}
    assert client.post("/v2/slots/reservations", headers=V_SLOTS, json=body).status_code == 201
    r = client.post("/v2/slots/reservations", headers=V_SLOTS, json=body)
    assert r.status_code in (400, 422), r.text
    assert r.json()["status"] == "error"


def test_reservation_validation(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    ten = at(day, "10:00", "UTC")
    saturday = at(day + timedelta(days=5), "10:00", "UTC")
    cases: list[tuple[str, dict[str, Any], dict[str, str], int]] = [
        # Only authenticated requests may choose how long the hold lasts.
        ("/v2/slots/reservations",
         {"eventTypeId": et, "slotStart": z(ten), "reservationDuration": 10}, V_SLOTS, 400),
        ("/v2/slots/reservations", {"eventTypeId": et}, V_SLOTS, 400),
        ("/v2/slots/reservations", {"eventTypeId": et, "slotStart": "tomorrow"}, V_SLOTS, 400),
        ("/v2/slots/reservations", {"eventTypeId": 999_999, "slotStart": z(ten)}, V_SLOTS, 404),
        ("/v2/slots/reservations",
         {"eventTypeId": et, "slotStart": z(ten), "slotDuration": 45}, V_SLOTS, 400),
        ("/v2/slots/reserve",
         {"eventTypeId": et, "slotUtcStartDate": z(ten), "slotUtcEndDate": z(ten)}, {}, 400),
        ("/v2/slots/reserve", {"eventTypeId": et, "slotUtcStartDate": z(ten)}, {}, 400),
    ]  # fmt: skip
    for path, body, headers, status in cases:
        assert_error(client.post(path, headers=headers, json=body), status)
    # A time outside working hours can't be reserved.
    r = client.post(
        "/v2/slots/reservations",
        headers=V_SLOTS,
        json={"eventTypeId": et, "slotStart": z(saturday)},
    )
    assert r.status_code in (400, 422), r.text
    assert r.json()["status"] == "error"
    assert_error(client.get(f"/v2/slots/reservations/{uuid.uuid4()}", headers=V_SLOTS), 404)
    r = client.patch(
        f"/v2/slots/reservations/{uuid.uuid4()}",
        headers=V_SLOTS,
        json={"eventTypeId": et, "slotStart": z(ten)},
    )
    assert_error(r, 404)
    # Nothing got reserved by the refused requests.
    assert len(flat(legacy_slots(client, et, *whole_day(day)))) == 16


# -- invalid queries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/v2/slots", {"timeZone": "Mars/Olympus"}, 400),
        ("/v2/slots", {"start": "not-a-date"}, 400),
        ("/v2/slots", {"end": "2020-13-45"}, 400),
        ("/v2/slots", {"start": None}, 400),
        ("/v2/slots", {"eventTypeId": None}, 400),
        ("/v2/slots", {"eventTypeId": "abc"}, 400),
        ("/v2/slots", {"eventTypeId": "-1"}, 400),
        ("/v2/slots", {"eventTypeId": "99999999999"}, 400),
        ("/v2/slots", {"eventTypeId": "999999"}, 404),
        ("/v2/slots", {"format": "table"}, 400),
        ("/v2/slots", {"duration": "0"}, 400),
        ("/v2/slots", {"swap": True}, 400),
        ("/v2/slots", {"wide": True}, 400),
        ("/v2/slots/available", {"timeZone": "Nowhere"}, 400),
        ("/v2/slots/available", {"startTime": "yesterday"}, 400),
        ("/v2/slots/available", {"endTime": None}, 400),
        ("/v2/slots/available", {"eventTypeId": "1.5"}, 400),
        ("/v2/slots/available", {"eventTypeId": "999999"}, 404),
        ("/v2/slots/available", {"swap": True}, 400),
    ],
)
def test_invalid_slot_queries_are_4xx_envelopes(
    client: TestClient, make_account: Any, path: str, params: dict[str, Any], status: int
) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    lo, hi = whole_day(day)
    params = dict(params)
    legacy = path.endswith("/available")
    names = ("startTime", "endTime") if legacy else ("start", "end")
    query: dict[str, Any] = {"eventTypeId": et, names[0]: z(lo), names[1]: z(hi)}
    if params.pop("swap", False):
        query[names[0]], query[names[1]] = query[names[1]], query[names[0]]
    if params.pop("wide", False):
        query[names[1]] = z(lo + timedelta(days=400))
    for key, value in params.items():
        name = {"start": names[0], "end": names[1]}.get(key, key) if not legacy else key
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    r = client.get(path, params=query, headers=V_SLOTS if not legacy else {})
    assert_error(r, status)


# -- work bounds -------------------------------------------------------------------------------


def _round_the_clock_minutes(client: TestClient, make_account: Any) -> tuple[Any, int]:
    """An account open every minute of every day, and a 1-minute event type: the most work
    a slot query can be asked to do per day of range."""
    acct = make_account(time_zone="UTC")
    every_day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers={**acct.headers, **V_SCHEDULES},
        json={"availability": [{"days": every_day, "startTime": "00:00", "endTime": "23:59"}]},
    )
    assert r.status_code == 200, r.text
    return acct, make_event_type(client, acct, lengthInMinutes=1)


def test_anonymous_slot_query_work_is_capped(client: TestClient, make_account: Any) -> None:
    acct, et = _round_the_clock_minutes(client, make_account)
    lo = whole_day(monday())[0]
    over = lo + timedelta(minutes=ANONYMOUS_MAX_STARTS + 1)
    query = {"eventTypeId": et, "start": z(lo), "end": z(over), "timeZone": "UTC"}
    r = client.get("/v2/slots", params=query, headers=V_SLOTS)
    body = assert_error(r, 400, "BadRequestException")
    assert body["error"]["details"]["reason"] == "range_too_large"
    # Within the bound it answers; an authenticated caller is not bound by it.
    query["end"] = z(lo + timedelta(minutes=ANONYMOUS_MAX_STARTS - 1))
    assert client.get("/v2/slots", params=query, headers=V_SLOTS).status_code == 200
    query["end"] = z(over)
    mine = client.get("/v2/slots", params=query, headers={**V_SLOTS, **acct.headers})
    assert mine.status_code == 200, mine.text


# Polls /health from its own process (its own GIL, as any real client has) and prints when each
# request started and how long it took.
_HEALTH_PROBE = """
import sys, time, httpx2
with httpx2.Client(base_url=sys.argv[1], timeout=30) as http:
    while True:
        t0 = time.time()
        http.get("/health").raise_for_status()
        print(t0, time.time() - t0, flush=True)
"""


@pytest.mark.serial  # three long searches: run alone, not beside the parallel pass
def test_long_slot_queries_do_not_stall_other_requests(
    client: TestClient, make_account: Any, live_url: str
) -> None:
    acct, et = _round_the_clock_minutes(client, make_account)
    lo = whole_day(monday())[0]
    # Authenticated, so past the anonymous bound: each search is a long stretch of engine work.
    query = {
        "eventTypeId": et,
        "start": z(lo),
        "end": z(lo + timedelta(minutes=3 * ANONYMOUS_MAX_STARTS)),
        "timeZone": "UTC",
    }
    answers: list[int] = []
    first_done: list[float] = []

    def search() -> None:
        with httpx2.Client(base_url=live_url, timeout=120, headers=acct.headers) as http:
            answers.append(http.get("/v2/slots", params=query, headers=V_SLOTS).status_code)
        first_done.append(wall())

    probe = subprocess.Popen(
        [sys.executable, "-c", _HEALTH_PROBE, live_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert probe.stdout is not None
        probe.stdout.readline()  # the server answers
        searches = [threading.Thread(target=search) for _ in range(3)]
        started = wall()
        for t in searches:
            t.start()
        for t in searches:
            t.join()
    finally:
        probe.terminate()
        out, _ = probe.communicate(timeout=30)
    assert answers == [200] * 3
    # Ordering, not latency: /health requests that began after the searches and were answered
    # before the first of them finished. With the engine on the event loop, a request that
    # arrives during a search waits for it, so at most one such answer slips in between
    # searches; with the engine off the loop they keep coming (dozens over these seconds).
    samples = [tuple(map(float, line.split())) for line in out.splitlines()]
    beside = [at for at, took in samples if at >= started and at + took <= min(first_done)]
    assert len(beside) >= 5, (len(beside), min(first_done) - started)

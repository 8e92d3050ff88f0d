"""The last seat of a seated slot goes to one person; every booker who races for it and loses
is told, in the refusal's reasons, that the seats are full: real parallel clients against a
real server (the pattern of test_booking_races)."""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, text

from calgate.store.db import sync_url
from tests.api.test_booking_races import _count, _next_monday
from tests.support.api import assert_error, assert_ok
from tests.support.waiting import wait_until

SEATS = 3
RACERS = 30
BOOKING = {"cal-api-version": "2024-08-13"}


def _seated(client: Any, make_account: Any) -> tuple[Any, int, list[str]]:
    """A host, their seated event type and two of its starts (09:00 and 09:20 UTC)."""
    acct = make_account(time_zone="UTC")
    r = client.post(
        "/v2/event-types",
        headers={**acct.headers, "cal-api-version": "2024-06-14"},
        json={
            "title": "Seats",
            "slug": "seats",
            "lengthInMinutes": 20,
            "minimumBookingNotice": 0,
            "seats": {
                "seatsPerTimeSlot": SEATS,
                "showAttendeeInfo": False,
                "showAvailabilityCount": True,
            },
        },
    )
    event_type_id = assert_ok(r, 201)["id"]
    monday = _next_monday()
    starts = [
        (monday.replace(hour=9, minute=20 * i)).isoformat().replace("+00:00", "Z") for i in range(2)
    ]
    return acct, event_type_id, starts


def _booker(start: str, event_type_id: int, who: str) -> dict[str, Any]:
    return {
        "start": start,
        "eventTypeId": event_type_id,
        "attendee": {"name": who, "email": f"{who}@example.com", "timeZone": "UTC"},
    }


def _take_seats(client: Any, event_type_id: int, start: str, count: int) -> str:
    """``count`` seats at ``start``, one booker after another; the seated booking's uid."""
    uid = ""
    for n in range(count):
        tag = start[11:16].replace(":", "")
        r = client.post(
            "/v2/bookings", headers=BOOKING, json=_booker(start, event_type_id, f"early{n}-{tag}")
        )
        uid = assert_ok(r, 201)["uid"]
    return uid


async def _post_until_served(http: httpx2.AsyncClient, url: str, **kw: Any) -> httpx2.Response:
    while True:
        r = await http.post(url, **kw)
        if r.status_code != 503:
            return r
        # Every pooled connection stayed busy (a loaded machine): the server says when to
        # come back, as a polite client would.
        assert r.json()["error"]["code"] == "ServiceUnavailableException"
        await asyncio.sleep(int(r.headers["Retry-After"]))


async def _race(
    base_url: str, event_type_id: int, starts: list[str], bookers: int
) -> list[httpx2.Response]:
    """``bookers`` booking ``starts`` in turn, all at once: their answers."""
    limits = httpx2.Limits(max_connections=bookers)
    async with httpx2.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:

        async def book(i: int) -> httpx2.Response:
            body = _booker(starts[i % len(starts)], event_type_id, f"racer{i}")
            return await _post_until_served(http, "/v2/bookings", headers=BOOKING, json=body)

        return list(await asyncio.gather(*(book(i) for i in range(bookers))))


def _assert_refused_as_full(answers: list[httpx2.Response]) -> None:
    """Every booker that didn't get a seat: a 400 whose reasons say the seats are full."""
    for r in answers:
        if r.status_code == 201:
            continue
        body = assert_error(r, 400, "BadRequestException")
        details = body["error"]["details"]
        full = [x for x in details["reasons"] if x["code"] == "seats_full"]
        assert full, details
        assert all(x["blocking"] and x["seats"] == SEATS for x in full), details


def test_losers_of_the_last_seat_are_told_the_seats_are_full(
    client: Any, make_account: Any, live_url: str, db_url: str
) -> None:
    _, event_type_id, starts = _seated(client, make_account)
    for start in starts:
        _take_seats(client, event_type_id, start, SEATS - 1)

    answers = asyncio.run(_race(live_url, event_type_id, starts, RACERS))

    codes = Counter(r.status_code for r in answers)
    assert codes == {201: len(starts), 400: RACERS - len(starts)}, codes
    _assert_refused_as_full(answers)
    won = {assert_ok(r, 201)["start"] for r in answers if r.status_code == 201}
    assert len(won) == len(starts)
    # Each start is still one booking, every seat of it taken once.
    assert _count(db_url, "SELECT count(*) FROM bookings") == len(starts)
    assert _count(db_url, "SELECT count(*) FROM attendees") == SEATS * len(starts)


@pytest.mark.skipif(
    not os.environ.get("CALGATE_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="holds a row lock while the server reads on; SQLite runs one writer at a time",
)
def test_a_seat_taken_after_the_check_is_refused_as_seats_full(
    client: Any, make_account: Any, live_url: str, db_url: str
) -> None:
    """A booker's check sees a seat left, the seat goes before its insert: refused with
    ``seats_full``. The host adding a guest to the seated booking takes that booking's row
    lock but not the hosts' lock a booker holds across its check, so it can get in between;
    the test holds the row lock so both are in line behind it, the host first."""
    acct, event_type_id, starts = _seated(client, make_account)
    uid = _take_seats(client, event_type_id, starts[0], SEATS - 1)
    engine = create_engine(sync_url(db_url))
    answers: dict[str, httpx2.Response] = {}

    def post(name: str, url: str, headers: dict[str, str], body: dict[str, Any]) -> None:
        with httpx2.Client(base_url=live_url, timeout=60) as http:
            answers[name] = http.post(url, headers=headers, json=body)

    def waiting() -> int:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
            )

    guest = {"name": "Guest", "email": "guest@example.com", "timeZone": "UTC"}
    host = threading.Thread(
        target=post,
        args=("host", f"/v2/bookings/{uid}/attendees", {**acct.headers, **BOOKING}, guest),
    )
    booker = threading.Thread(
        target=post,
        args=("booker", "/v2/bookings", BOOKING, _booker(starts[0], event_type_id, "late")),
    )
    try:
        with engine.connect() as holder:
            holder.execute(
                text("SELECT id FROM bookings WHERE uid = :uid FOR UPDATE"), {"uid": uid}
            )
            host.start()
            wait_until(lambda: waiting() >= 1, 30, 0.02, "the host's add waiting on the row")
            # The booker checks (a seat is left: the host's add hasn't committed), then waits
            # for the booking's row behind the host.
            booker.start()
            wait_until(lambda: waiting() >= 2, 30, 0.02, "the booker waiting on the row")
            holder.rollback()
    finally:
        host.join(60)
        booker.join(60)
        engine.dispose()

    assert_ok(answers["host"], 201)
    body = assert_error(answers["booker"], 400, "BadRequestException", reason="seats_full")
    reasons = body["error"]["details"]["reasons"]
    assert [r["code"] for r in reasons if r["blocking"]] == ["seats_full"], reasons
    assert reasons[0]["seats"] == SEATS
    assert body["error"]["message"] == "All seats for this time slot are taken"
    assert _count(db_url, "SELECT count(*) FROM bookings") == 1
    assert _count(db_url, "SELECT count(*) FROM attendees") == SEATS

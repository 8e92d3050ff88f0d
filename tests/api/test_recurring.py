"""Recurring event types booked over HTTP (issue 13 item 2): every occurrence or none, at the
host's local time across DST, Cal.com's RecurringBookingOutput array with one
recurringBookingUid, the series by that uid, cancelSubsequentBookings, the legacy recurringInfo,
and the refusal naming the occurrence that can't be booked (``recurring_occurrence``)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from calgate.store.db import sync_url
from tests.api.test_bookings import V_BOOKINGS, make_event_type
from tests.api.test_calcom_document import response_schema, validate
from tests.support.api import assert_error
from tests.support.clock import at, travel, utc, z, zms
from tests.support.db import statements

# The clock is pinned in January 2027 so the series below cross 2027's spring DST changes:
# America/New_York on 14 March, Europe/Lisbon on 28 March.
NOW = utc(2027, 1, 4, 12)
WEEKLY_4 = {"frequency": "weekly", "interval": 1, "occurrences": 4}


@pytest.fixture(autouse=True)
def _january_2027() -> Iterator[None]:
    with travel(NOW):
        yield


def _recurring(client: TestClient, acct: Any, **rule: Any) -> int:
    return make_event_type(client, acct, recurrence={**WEEKLY_4, **rule})


def _book(client: TestClient, et: int, start: datetime, **extra: Any) -> Any:
    return client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": z(start),
            "eventTypeId": et,
            # The booker's zone differs from the host's: the series follows the host's clock.
            "attendee": {"name": "Ana", "email": "ana@example.com", "timeZone": "Asia/Tokyo"},
            **extra,
        },
    )


def _rows(db_url: str, sql: str) -> list[Any]:
    engine = create_engine(sync_url(db_url))
    try:
        with engine.begin() as conn:
            return list(conn.execute(text(sql)).all())
    finally:
        engine.dispose()


def _subscribe(client: TestClient, acct: Any, *triggers: str) -> None:
    # Loopback: the delivery worker refuses the private address, the queued rows stay countable.
    r = client.post(
        "/v2/webhooks",
        headers=acct.headers,
        json={
            "subscriberUrl": "http://127.0.0.1:9/hook",
            "triggers": list(triggers or ("BOOKING_CREATED", "BOOKING_CANCELLED")),
            "active": True,
        },
    )
    assert r.status_code == 201, r.text


def _triggers(db_url: str) -> Counter[str]:
    return Counter(row[0] for row in _rows(db_url, "SELECT trigger FROM webhook_deliveries"))


@pytest.mark.parametrize(
    ("zone", "first"),
    [("America/New_York", date(2027, 3, 1)), ("Europe/Lisbon", date(2027, 3, 15))],
)
def test_series_keeps_the_hosts_local_time_across_dst(
    client: TestClient, make_account: Any, db_url: str, zone: str, first: date
) -> None:
    acct = make_account(time_zone=zone)
    _subscribe(client, acct)
    et = _recurring(client, acct)
    r = _book(client, et, at(first, "10:00", zone))
    assert r.status_code == 201, r.text
    validate(r.json(), response_schema("/v2/bookings", "post", "201"))
    data = r.json()["data"]
    assert isinstance(data, list)
    days = [first + timedelta(weeks=i) for i in range(4)]
    # 10:00 on the host's clock every week: the UTC instant moves by the hour at the change.
    assert [o["start"] for o in data] == [zms(at(d, "10:00", zone)) for d in days]
    assert len({at(d, "10:00", zone).hour for d in days}) == 2
    series = {o["recurringBookingUid"] for o in data}
    assert len(series) == 1
    assert len({o["uid"] for o in data}) == 4
    assert _triggers(db_url)["BOOKING_CREATED"] == 4

    # The series by its uid (Cal.com: an array of every occurrence), one occurrence by its own.
    (series_uid,) = series
    r = client.get(f"/v2/bookings/{series_uid}", headers=V_BOOKINGS)
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/bookings/{bookingUid}", "get", "200"))
    assert [o["uid"] for o in r.json()["data"]] == [o["uid"] for o in data]
    r = client.get(f"/v2/bookings/{data[2]['uid']}", headers=V_BOOKINGS)
    validate(r.json(), response_schema("/v2/bookings/{bookingUid}", "get", "200"))
    validate(r.json()["data"], "RecurringBookingOutput_2024_08_13")
    assert r.json()["data"]["recurringBookingUid"] == series_uid
    r = client.get("/v2/bookings", headers={**acct.headers, **V_BOOKINGS})
    validate(r.json(), response_schema("/v2/bookings", "get", "200"))
    assert {o["recurringBookingUid"] for o in r.json()["data"]} == {series_uid}
    r = client.get("/v2/bookings?status=recurring", headers={**acct.headers, **V_BOOKINGS})
    assert len(r.json()["data"]) == 4


def test_recurrence_count_books_fewer_never_more(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = _recurring(client, acct, interval=2)
    start = at(date(2027, 2, 1), "09:00")
    r = _book(client, et, start, recurrenceCount=2)
    assert r.status_code == 201, r.text
    assert [o["start"] for o in r.json()["data"]] == [
        zms(start),
        zms(start + timedelta(weeks=2)),
    ]
    r = _book(client, et, start + timedelta(hours=2), recurrenceCount=5)
    body = assert_error(r, 400)
    assert "recurrenceCount" in body["error"]["message"]
    plain = make_event_type(client, acct)
    assert_error(_book(client, plain, start + timedelta(hours=3), recurrenceCount=2), 400)


def test_a_series_queues_no_email_without_smtp(
    client: TestClient, make_account: Any, db_url: str
) -> None:
    """CALGATE_SMTP_URL is unset here: neither the series' email nor its reminders are queued
    (they could never go out)."""
    acct = make_account(time_zone="UTC")
    et = _recurring(client, acct)
    r = client.patch(
        f"/v2/event-types/{et}",
        headers=acct.headers,
        json={"metadata": {"emailReminderMinutes": 60}},
    )
    assert r.status_code == 200, r.text
    r = _book(client, et, at(date(2027, 2, 1), "10:00"))
    assert r.status_code == 201, r.text
    series_uid = r.json()["data"][0]["recurringBookingUid"]
    r = client.post(f"/v2/bookings/{series_uid}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    assert _rows(db_url, "SELECT count(*) FROM outbound_messages")[0][0] == 0


def test_one_occurrence_taken_refuses_the_whole_series(
    client: TestClient, make_account: Any, db_url: str
) -> None:
    acct = make_account(time_zone="Europe/Lisbon")
    _subscribe(client, acct)
    et = _recurring(client, acct)
    other = make_event_type(client, acct)
    first = date(2027, 3, 15)
    third = at(first + timedelta(weeks=2), "10:00", "Europe/Lisbon")
    r = _book(client, other, third)
    assert r.status_code == 201, r.text
    before = _rows(db_url, "SELECT count(*) FROM bookings")[0][0]
    deliveries = _triggers(db_url)

    r = _book(client, et, at(first, "10:00", "Europe/Lisbon"))
    body = assert_error(r, 400)
    details = body["error"]["details"]
    lead, *own = details["reasons"]
    assert lead["code"] == "recurring_occurrence"
    assert lead["occurrence"] == 2
    assert lead["occurrences"] == 4
    assert lead["start"] == zms(third)
    assert "Occurrence 3 of 4" in lead["message"]
    # Then that occurrence's own reasons: the booking in the way (its uid is the host's only).
    assert "busy_booking" in {reason["code"] for reason in own}
    assert {reason["occurrence"] for reason in own} == {2}
    assert details["reason"] != "recurring_occurrence"
    # Nothing of the series was written: no booking, no webhook.
    assert _rows(db_url, "SELECT count(*) FROM bookings")[0][0] == before
    assert _triggers(db_url) == deliveries


def test_cancel_subsequent_bookings(client: TestClient, make_account: Any, db_url: str) -> None:
    acct = make_account(time_zone="America/New_York")
    _subscribe(client, acct)
    et = _recurring(client, acct)
    first = date(2027, 3, 1)
    r = _book(client, et, at(first, "10:00", "America/New_York"))
    assert r.status_code == 201, r.text
    uids = [o["uid"] for o in r.json()["data"]]
    series_uid = r.json()["data"][0]["recurringBookingUid"]

    def statuses() -> list[str]:
        r = client.get(f"/v2/bookings/{series_uid}", headers=V_BOOKINGS)
        return [o["status"] for o in r.json()["data"]]

    # Without the flag: only that occurrence.
    r = client.post(f"/v2/bookings/{uids[0]}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/bookings/{bookingUid}/cancel", "post", "200"))
    assert statuses() == ["cancelled", "accepted", "accepted", "accepted"]
    # With it: this one and every later one.
    r = client.post(
        f"/v2/bookings/{uids[2]}/cancel",
        headers=V_BOOKINGS,
        json={"cancelSubsequentBookings": True, "cancellationReason": "moving"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["uid"] == uids[2]
    assert statuses() == ["cancelled", "accepted", "cancelled", "cancelled"]
    assert _triggers(db_url)["BOOKING_CANCELLED"] == 3
    # Their time is free again: the third week can be booked on its own.
    plain = make_event_type(client, acct)
    assert (
        _book(
            client, plain, at(first + timedelta(weeks=2), "10:00", "America/New_York")
        ).status_code
        == 201
    )
    # The series' uid cancels what is left of it.
    r = client.post(f"/v2/bookings/{series_uid}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/bookings/{bookingUid}/cancel", "post", "200"))
    assert [o["uid"] for o in r.json()["data"]] == [uids[1]]
    assert statuses() == ["cancelled"] * 4


@pytest.mark.parametrize("action", ["confirm", "decline"])
def test_one_occurrence_decides_the_pending_series(
    client: TestClient, make_account: Any, db_url: str, action: str
) -> None:
    """Cal.com confirms (declines) a pending recurring series from any one occurrence: every
    occurrence still pending goes with it, each announced by its own webhooks."""
    acct = make_account(time_zone="UTC")
    triggers = ("BOOKING_REQUESTED", "BOOKING_CREATED", "BOOKING_CONFIRMED", "BOOKING_REJECTED")
    _subscribe(client, acct, *triggers)
    et = make_event_type(
        client,
        acct,
        recurrence=WEEKLY_4,
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
    )
    first = at(date(2027, 2, 1), "10:00")
    r = _book(client, et, first)
    assert r.status_code == 201, r.text
    occurrences = r.json()["data"]
    assert [o["status"] for o in occurrences] == ["pending"] * 4
    uids = [o["uid"] for o in occurrences]
    series_uid = occurrences[0]["recurringBookingUid"]
    # One occurrence is no longer pending: the series' decision leaves it alone.
    r = client.post(f"/v2/bookings/{uids[0]}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    hv = {**acct.headers, **V_BOOKINGS}

    body = {"reason": "Away that month"} if action == "decline" else None
    r = client.post(f"/v2/bookings/{uids[2]}/{action}", headers=hv, json=body)
    assert r.status_code == 200, r.text
    path = f"/v2/bookings/{{bookingUid}}/{action}"
    validate(r.json(), response_schema(path, "post", "200"))
    decided = "accepted" if action == "confirm" else "rejected"
    assert r.json()["data"]["uid"] == uids[2]
    assert r.json()["data"]["status"] == decided
    r = client.get(f"/v2/bookings/{series_uid}", headers=V_BOOKINGS)
    assert [o["status"] for o in r.json()["data"]] == ["cancelled"] + [decided] * 3
    sent = _triggers(db_url)
    assert sent["BOOKING_REQUESTED"] == 4
    if action == "confirm":
        assert (sent["BOOKING_CREATED"], sent["BOOKING_CONFIRMED"]) == (3, 3)
        assert sent["BOOKING_REJECTED"] == 0
    else:
        assert sent["BOOKING_REJECTED"] == 3
        assert sent["BOOKING_CREATED"] == sent["BOOKING_CONFIRMED"] == 0
        legacy = client.get(f"/v2/bookings/{uids[3]}").json()["data"]
        assert legacy["rejectionReason"] == "Away that month"
        # Declined occurrences free their time.
        plain = make_event_type(client, acct)
        assert _book(client, plain, first + timedelta(weeks=3)).status_code == 201
    # Nothing of the series is pending any more: another occurrence can't be decided again.
    r = client.post(f"/v2/bookings/{uids[1]}/{action}", headers=hv, json=body)
    assert_error(r, 400)


def test_a_rescheduled_occurrence_stays_in_its_series(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    et = _recurring(client, acct, occurrences=2)
    r = _book(client, et, at(date(2027, 2, 1), "10:00"))
    assert r.status_code == 201, r.text
    second = r.json()["data"][1]
    r = client.post(
        f"/v2/bookings/{second['uid']}/reschedule",
        headers=V_BOOKINGS,
        json={"start": z(at(date(2027, 2, 9), "10:00"))},
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["recurringBookingUid"] == second["recurringBookingUid"]
    r = client.get(f"/v2/bookings/{second['recurringBookingUid']}", headers=V_BOOKINGS)
    assert [o["status"] for o in r.json()["data"]] == ["accepted", "cancelled", "accepted"]


def test_a_series_by_its_uid_is_read_in_the_same_queries_however_long(
    client: TestClient, make_account: Any
) -> None:
    # The series page and GET /v2/bookings/{seriesUid} read a series of 730 occurrences: one
    # query per occurrence made that page cost seconds.
    acct = make_account(time_zone="UTC")
    et = _recurring(client, acct, occurrences=12)
    short = _book(client, et, at(date(2027, 2, 1), "10:00"), recurrenceCount=2)
    long = _book(client, et, at(date(2027, 2, 1), "12:00"))
    assert short.status_code == long.status_code == 201, long.text
    read = []
    for data in (short.json()["data"], long.json()["data"]):
        series_uid = data[0]["recurringBookingUid"]
        with statements() as ran:
            r = client.get(f"/v2/bookings/{series_uid}", headers=V_BOOKINGS)
        assert [o["uid"] for o in r.json()["data"]] == [o["uid"] for o in data]
        read.append(len(ran))
    assert len(long.json()["data"]) == 12
    assert read[0] == read[1]


def test_legacy_list_fills_recurring_info(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="Europe/Lisbon")
    et = _recurring(client, acct, occurrences=3)
    first = date(2027, 3, 22)
    r = _book(client, et, at(first, "10:00", "Europe/Lisbon"))
    assert r.status_code == 201, r.text
    occurrences = r.json()["data"]
    series_uid = occurrences[0]["recurringBookingUid"]
    r = client.post(f"/v2/bookings/{occurrences[1]['uid']}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text

    r = client.get("/v2/bookings", headers=acct.headers)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert {b["recurringEventId"] for b in data["bookings"]} == {series_uid}
    starts = [o["start"] for o in occurrences]
    assert data["recurringInfo"] == [
        {
            "recurringEventId": series_uid,
            "count": 3,
            "firstDate": starts[0],
            "bookings": {
                "ACCEPTED": [starts[0], starts[2]],
                "CANCELLED": [starts[1]],
                "REJECTED": [],
                "PENDING": [],
                "AWAITING_HOST": [],
            },
        }
    ]
    # Legacy creation books one occurrence (Cal.com's legacy recurring route takes an array).
    r = client.post(
        "/v2/bookings",
        json={
            "eventTypeId": et,
            "start": z(at(first, "12:00", "Europe/Lisbon")),
            "timeZone": "Europe/Lisbon",
            "language": "en",
            "responses": {"name": "Bo", "email": "bo@example.com"},
            "metadata": {},
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["recurringEventId"] is None


def test_racing_series_one_wins_whole(
    client: TestClient, make_account: Any, live_url: str, db_url: str
) -> None:
    """Real parallel clients on a real server: two series that share two weeks, booked by ten
    people at once. One series is written whole; every other request is refused whole."""
    acct = make_account(time_zone="UTC")
    et = _recurring(client, acct, occurrences=3)
    firsts = [z(at(date(2027, 2, 1), "10:00")), z(at(date(2027, 2, 8), "10:00"))]

    async def race() -> Counter[int]:
        async with httpx2.AsyncClient(timeout=120) as http:

            async def one(i: int) -> int:
                r = await http.post(
                    f"{live_url}/v2/bookings",
                    headers=V_BOOKINGS,
                    json={
                        "start": firsts[i % 2],
                        "eventTypeId": et,
                        "attendee": {
                            "name": f"Racer {i}",
                            "email": f"racer{i}@example.com",
                            "timeZone": "UTC",
                        },
                    },
                )
                assert r.status_code in (201, 400), r.text
                return r.status_code

            return Counter(await asyncio.gather(*(one(i) for i in range(10))))

    codes = asyncio.run(race())
    assert codes == Counter({201: 1, 400: 9})
    assert _rows(db_url, "SELECT count(*), count(DISTINCT recurring_event_id) FROM bookings") == [
        (3, 1)
    ]

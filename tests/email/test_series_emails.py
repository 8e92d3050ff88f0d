"""A recurring booking's emails through a real SMTP server: one email per person for the whole
series (as Cal.com's, its rule, count and every date in the person's zone and language) whose
invite is ONE recurring event that a calendar expands to the bookings' own starts; one email
for the series cancelled, confirmed or requested at once; an email about one occurrence
addresses that occurrence of the series (RECURRENCE-ID); reminders stay per occurrence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import recurring_ical_events
from starlette.testclient import TestClient

from calgate.config import Settings
from calgate.store.models import OutboundMessage
from tests.email.mailbox import Mailbox
from tests.email.test_booking_emails import invite, rows, text, with_metadata
from tests.pages.test_series_pages import statuses
from tests.support.clock import at, instant, travel, utc, z
from tests.support.waiting import wait_until
from tests.webhooks.conftest import V_BOOKING, event_type, subscribe
from tests.webhooks.receiver import Receiver, receiver

# Pinned so the series crosses both spring DST changes: New York's on 14 March 2027 (the
# host's clock, which the series keeps), Berlin's on 28 March (the attendee's).
NOW = utc(2027, 3, 1, 12)
FIRST = at(date(2027, 3, 8), "10:00", "America/New_York")
WEEKLY_4 = {"frequency": "weekly", "interval": 1, "occurrences": 4}
ADA = {"name": "Ada Lovelace", "email": "ada@example.com", "timeZone": "Europe/Berlin"}
BOB = "bob@example.com"


@pytest.fixture(autouse=True)
def _march_2027() -> Iterator[None]:
    with travel(NOW):
        yield


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The webhook subscriber of these tests listens on loopback too.
    return replace(settings, webhook_allow_private=True)


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    with receiver() as rec:
        yield rec


def _series(
    client: TestClient, et: int, *, attendee: dict[str, Any] = ADA, **extra: Any
) -> list[dict[str, Any]]:
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={
            "start": z(FIRST),
            "eventTypeId": et,
            "attendee": attendee,
            "guests": [BOB],
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert isinstance(data, list)
    return list(data)


def _recurring(client: TestClient, host: Any, **extra: Any) -> int:
    return event_type(client, host, recurrence=WEEKLY_4, **extra)


def _sent(client: TestClient, inbox: Mailbox, expected: Counter[str]) -> None:
    """Every booking email queued is delivered, and these are exactly how many each person
    has received in all."""
    wait_until(
        lambda: all(m.status == "delivered" for m in rows(client) if m.kind == "booking"),
        15,
        0.05,
        "every booking email delivered",
    )
    booking_rows = Counter(m.recipient for m in rows(client) if m.kind == "booking")
    assert booking_rows == expected
    for recipient, count in expected.items():
        assert len(inbox.to(recipient)) == count, recipient


def _vevents(message: EmailMessage) -> list[Any]:
    return list(invite(message).walk("VEVENT"))


def _expanded(message: EmailMessage) -> list[datetime]:
    """The starts a calendar client shows for the invite's series, in UTC."""
    cal = invite(message)
    found = recurring_ical_events.of(cal).between(date(2027, 1, 1), date(2028, 1, 1))
    return sorted(instant(e.decoded("DTSTART").isoformat()) for e in found)


def test_a_series_is_one_email_per_person_with_one_recurring_invite(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="America/New_York", name="Grace Hopper")
    et = _recurring(client, host)
    occurrences = _series(client, et)
    starts = [instant(o["start"]) for o in occurrences]
    # The host's 10:00 every Monday: 15:00Z before New York's DST change, 14:00Z after.
    assert [s.hour for s in starts] == [15, 14, 14, 14]

    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))
    to_ada, to_bob, to_host = (inbox.to(x)[0] for x in ("ada@example.com", BOB, host.email))
    uids = set()
    for message in (to_ada, to_bob, to_host):
        cal = invite(message)
        assert cal["METHOD"] == "REQUEST"
        (master,) = _vevents(message)
        assert "RRULE" in master
        assert master["RRULE"]["FREQ"] == ["WEEKLY"]
        assert master["RRULE"]["COUNT"] == [4]
        assert int(master["SEQUENCE"]) == 0
        # Stepped on the host's clock, as the bookings were: the client lands on each start.
        assert master["DTSTART"].params["TZID"] == "America/New_York"
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
        assert _expanded(message) == starts
        uids.add(str(master["UID"]))
    assert len(uids) == 1

    assert to_ada["Subject"].startswith("Confirmed:")
    body = text(to_ada)
    assert "Your recurring event has been scheduled" in body
    assert "When: Every week for 4 occurrences (Europe/Berlin)" in body
    # Each date on Ada's own clock: 16:00 in Berlin, 15:00 between the two DST changes.
    for day, hhmm in (("8", "16:00"), ("15", "15:00"), ("22", "15:00"), ("29", "16:00")):
        assert f"Monday, March {day}, 2027 {hhmm} - " in body, body
    host_body = text(to_host)
    assert "A new recurring event has been scheduled" in host_body
    assert host_body.count(" 10:00 - 10:30") == 4
    assert "(America/New_York)" in host_body
    html = to_ada.get_body(("html",))
    assert html is not None
    assert html.get_content().count("<li>") == 4


def test_the_series_in_the_attendees_language(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="America/New_York")
    et = _recurring(client, host)
    _series(client, et, attendee={**ADA, "language": "de"})
    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))
    to_ada = inbox.to("ada@example.com")[0]
    assert to_ada["Subject"].startswith("Bestätigt:")
    body = text(to_ada)
    assert "Ihr Serientermin wurde gebucht" in body
    assert "Wann: Jede Woche, 4 Termine (Europe/Berlin)" in body
    assert "Montag, 8. März 2027 16:00 - 16:30" in body
    assert "Montag, 29. März 2027 16:00 - 16:30" in body


def test_cancelling_the_series_is_one_email_that_cancels_it(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="America/New_York")
    et = _recurring(client, host)
    occurrences = _series(client, et)
    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))
    uid = str(_vevents(inbox.to("ada@example.com")[0])[0]["UID"])

    series_uid = occurrences[0]["recurringBookingUid"]
    r = client.post(
        f"/v2/bookings/{series_uid}/cancel",
        headers=V_BOOKING,
        json={"cancellationReason": "project ended"},
    )
    assert r.status_code == 200, r.text
    _sent(client, inbox, Counter({"ada@example.com": 2, BOB: 2, host.email: 2}))
    for recipient in ("ada@example.com", BOB, host.email):
        message = inbox.to(recipient)[-1]
        assert message["Subject"].startswith("Cancelled:")
        cal = invite(message)
        assert cal["METHOD"] == "CANCEL"
        # The series itself (its UID, no RECURRENCE-ID): every occurrence goes.
        (master,) = _vevents(message)
        assert str(master["UID"]) == uid
        assert "RECURRENCE-ID" not in master
        assert str(master["STATUS"]) == "CANCELLED"
        assert int(master["SEQUENCE"]) > 0
    body = text(inbox.to("ada@example.com")[-1])
    assert "These occurrences of a recurring event have been cancelled" in body
    assert "Every week for 4 occurrences" in body
    assert "project ended" in body


def test_one_occurrence_then_the_rest_of_the_series(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="America/New_York")
    et = _recurring(client, host)
    occurrences = _series(client, et)
    starts = [instant(o["start"]) for o in occurrences]
    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))
    uid = str(_vevents(inbox.to("ada@example.com")[0])[0]["UID"])

    # One occurrence by its own uid: one email each, about it alone.
    r = client.post(f"/v2/bookings/{occurrences[1]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    _sent(client, inbox, Counter({"ada@example.com": 2, BOB: 2, host.email: 2}))
    for recipient in ("ada@example.com", host.email):
        message = inbox.to(recipient)[-1]
        assert invite(message)["METHOD"] == "CANCEL"
        (one,) = _vevents(message)
        assert str(one["UID"]) == uid
        assert one.decoded("RECURRENCE-ID") == starts[1]
        assert "RRULE" not in one
    body = text(inbox.to("ada@example.com")[-1])
    assert "This event has been cancelled" in body
    assert "Monday, March 15, 2027 15:00 - 15:30 (Europe/Berlin)" in body
    assert "Every week" not in body

    # The third and every later one: one email for both, and the invite now holds the one
    # occurrence left (the first; the second was cancelled above).
    r = client.post(
        f"/v2/bookings/{occurrences[2]['uid']}/cancel",
        headers=V_BOOKING,
        json={"cancelSubsequentBookings": True},
    )
    assert r.status_code == 200, r.text
    _sent(client, inbox, Counter({"ada@example.com": 3, BOB: 3, host.email: 3}))
    message = inbox.to("ada@example.com")[-1]
    assert message["Subject"].startswith("Cancelled:")
    body = text(message)
    assert "Every week for 2 occurrences (Europe/Berlin)" in body
    assert "Monday, March 22, 2027" in body
    assert "Monday, March 29, 2027" in body
    assert "March 15" not in body
    assert invite(message)["METHOD"] == "REQUEST"
    assert _expanded(message) == starts[:1]


def test_all_remaining_by_a_past_occurrence_leaves_what_has_begun(
    client: TestClient, make_account: Any, inbox: Mailbox, hook_receiver: Receiver
) -> None:
    """Cal.com's allRemainingBookings (the 2024-04-15 cancel) names the series by any of its
    occurrences and cancels those not yet begun: the one named, already held, stays."""
    host = make_account(time_zone="America/New_York")
    subscribe(client, host, hook_receiver.url, ["BOOKING_CANCELLED"])
    et = _recurring(client, host)
    occurrences = _series(client, et)
    starts = [instant(o["start"]) for o in occurrences]
    series_uid = occurrences[0]["recurringBookingUid"]
    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))
    # The first occurrence held and the second under way stay; the last two are cancelled.
    held_two = ["accepted", "accepted", "cancelled", "cancelled"]

    # The first occurrence held, the second under way.
    with travel(starts[1] + timedelta(minutes=10)):
        r = client.post(
            f"/v2/bookings/{occurrences[0]['uid']}/cancel",
            json={"allRemainingBookings": True, "cancellationReason": "project ended"},
        )
        assert r.status_code == 200, r.text
        # As Cal.com: the answer names the booking the request named.
        assert r.json()["data"]["bookingUid"] == occurrences[0]["uid"]
        assert statuses(client, host, series_uid) == held_two

        got = hook_receiver.wait_for(2)
        assert sorted(h.json()["payload"]["uid"] for h in got) == sorted(
            o["uid"] for o in occurrences[2:]
        )
        # One email each for the two cancelled; the invite keeps the two that were held.
        _sent(client, inbox, Counter({"ada@example.com": 2, BOB: 2, host.email: 2}))
        message = inbox.to("ada@example.com")[-1]
        assert message["Subject"].startswith("Cancelled:")
        body = text(message)
        assert "Every week for 2 occurrences (Europe/Berlin)" in body
        assert "Monday, March 22, 2027" in body
        assert "Monday, March 29, 2027" in body
        assert "March 8" not in body
        assert "March 15" not in body
        assert "project ended" in body
        assert _expanded(message) == starts[:2]

        # None is left: refused, and nothing more is cancelled, sent or announced.
        again = client.post(
            f"/v2/bookings/{occurrences[1]['uid']}/cancel", json={"allRemainingBookings": True}
        )
        assert again.status_code == 400, again.text
        assert "none is left to cancel" in again.text
        assert statuses(client, host, series_uid) == held_two
        _sent(client, inbox, Counter({"ada@example.com": 2, BOB: 2, host.email: 2}))
        assert len(hook_receiver.requests) == 2


def test_a_moved_occurrence_is_that_occurrence_of_the_series(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="America/New_York")
    et = _recurring(client, host)
    occurrences = _series(client, et)
    starts = [instant(o["start"]) for o in occurrences]
    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))
    uid = str(_vevents(inbox.to("ada@example.com")[0])[0]["UID"])

    later = starts[2] + timedelta(hours=2)
    r = client.post(
        f"/v2/bookings/{occurrences[2]['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": z(later)},
    )
    assert r.status_code == 201, r.text
    _sent(client, inbox, Counter({"ada@example.com": 2, BOB: 2, host.email: 2}))
    message = inbox.to("ada@example.com")[-1]
    assert message["Subject"].startswith("Rescheduled:")
    (moved,) = _vevents(message)
    assert str(moved["UID"]) == uid
    assert moved.decoded("RECURRENCE-ID") == starts[2]
    assert moved.decoded("DTSTART") == later
    assert int(moved["SEQUENCE"]) == 1


def test_a_pending_series_is_one_request_then_one_confirmation(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="America/New_York")
    et = _recurring(
        client,
        host,
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
    )
    occurrences = _series(client, et)
    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))
    to_ada = inbox.to("ada@example.com")[0]
    to_host = inbox.to(host.email)[0]
    assert to_ada["Subject"].startswith("Request submitted:")
    assert "Your recurring booking request has been submitted" in text(to_ada)
    assert to_host["Subject"].startswith("Action required:")
    assert "Every week for 4 occurrences" in text(to_host)
    assert not list(to_ada.iter_attachments())

    r = client.post(
        f"/v2/bookings/{occurrences[0]['uid']}/confirm",
        headers={**host.headers, **V_BOOKING},
    )
    assert r.status_code == 200, r.text
    _sent(client, inbox, Counter({"ada@example.com": 2, BOB: 2, host.email: 2}))
    confirmed = inbox.to("ada@example.com")[-1]
    assert confirmed["Subject"].startswith("Confirmed:")
    assert _expanded(confirmed) == [instant(o["start"]) for o in occurrences]


def test_reminders_stay_per_occurrence(client: TestClient, make_account: Any) -> None:
    """As Cal.com's BEFORE_EVENT workflows: a reminder before each occurrence."""
    host = make_account(time_zone="America/New_York")
    et = with_metadata(client, host, _recurring(client, host), {"emailReminderMinutes": 60})
    occurrences = _series(client, et)

    def reminders() -> list[OutboundMessage]:
        return [m for m in rows(client) if m.kind == "reminder"]

    due = reminders()
    assert Counter(m.recipient for m in due) == {"ada@example.com": 4, BOB: 4, host.email: 4}
    assert {m.not_before for m in due} == {
        instant(o["start"]) - timedelta(hours=1) for o in occurrences
    }
    series_uid = occurrences[0]["recurringBookingUid"]
    r = client.post(f"/v2/bookings/{series_uid}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    assert {m.status for m in reminders()} == {"cancelled"}


def test_a_refused_series_queues_nothing(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="America/New_York")
    et = _recurring(client, host)
    third = FIRST + timedelta(weeks=2) - timedelta(hours=1)  # 10:00 EDT, after the change
    other = event_type(client, host, slug="other")
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": z(third), "eventTypeId": other, "attendee": ADA},
    )
    assert r.status_code == 201, r.text
    before = len(rows(client))
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": z(FIRST), "eventTypeId": et, "attendee": ADA},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["reasons"][0]["occurrence"] == 2
    assert len(rows(client)) == before

"""Booking emails through a real SMTP server: invites whose times match the booking, a
reschedule with a higher SEQUENCE, a cancel with METHOD:CANCEL, each person's own time zone,
reminders that follow the booking, and nothing lost while the SMTP server is down."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
from sqlalchemy import select
from starlette.testclient import TestClient

from calgate.config import Settings
from calgate.store.models import OutboundMessage
from tests.email.mailbox import Mailbox
from tests.support.db import scalars
from tests.support.waiting import wait_until
from tests.webhooks.conftest import V_BOOKING, book, event_type, next_monday

ATTENDEE = {"name": "Ada Lovelace", "email": "ada@example.com", "timeZone": "America/New_York"}
GUEST = "bob@example.com"


def invite(message: EmailMessage) -> icalendar.Calendar:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar attachment")


def vevent(cal: icalendar.Calendar) -> Any:
    return next(iter(cal.walk("VEVENT")))


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def rows(client: TestClient) -> list[OutboundMessage]:
    return scalars(client, select(OutboundMessage).order_by(OutboundMessage.id))


def with_metadata(client: TestClient, acct: Any, event_type_id: int, metadata: Any) -> int:
    """Cal.com takes event type metadata in its original (2024-04-15) shape only."""
    r = client.patch(
        f"/v2/event-types/{event_type_id}", headers=acct.headers, json={"metadata": metadata}
    )
    assert r.status_code == 200, r.text
    return event_type_id


def test_created_rescheduled_cancelled(
    client: TestClient, make_account: Any, inbox: Mailbox, settings: Settings
) -> None:
    host = make_account(time_zone="Europe/Berlin", name="Grace Hopper")
    et = event_type(client, host)
    start = next_monday() + timedelta(hours=9)
    first = book(client, et, start, attendee=ATTENDEE)

    to_ada = inbox.wait_for("ada@example.com")[0]
    to_host = inbox.wait_for(host.email)[0]
    assert to_ada["Subject"].startswith("Confirmed:")
    assert to_ada["From"] == "Calgate <calgate@example.com>"
    ev = vevent(invite(to_ada))
    assert invite(to_ada)["METHOD"] == "REQUEST"
    assert ev.decoded("DTSTART") == start
    assert ev.decoded("DTEND") == start + timedelta(minutes=30)
    assert int(ev["SEQUENCE"]) == 0
    uid = str(ev["UID"])
    assert uid == first["icsUid"]  # the booking's iCalUID, as every calendar surface has it
    assert vevent(invite(to_host))["UID"] == uid
    # Each in their own zone: 09:00 UTC is 04:00 in New York (EST) and 10:00 in Berlin (CET).
    assert "04:00 - 04:30 (America/New_York)" in text(to_ada), text(to_ada)
    assert "10:00 - 10:30 (Europe/Berlin)" in text(to_host), text(to_host)
    # The attendee gets Cal.com's links, pointing at the booker.
    assert f"{settings.booker_url}/booking/{first['uid']}/cancel" in text(to_ada)
    assert f"{settings.booker_url}/booking/{first['uid']}/reschedule" in text(to_ada)
    html = to_ada.get_body(("html",))
    assert html is not None
    assert "Ada Lovelace &lt;ada@example.com&gt;" in html.get_content()

    later = start + timedelta(hours=2)
    r = client.post(
        f"/v2/bookings/{first['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": later.isoformat(), "reschedulingReason": "clash"},
    )
    assert r.status_code == 201, r.text
    moved = r.json()["data"]
    assert moved["icsUid"] == uid
    to_ada = inbox.wait_for("ada@example.com", 2)[-1]
    assert to_ada["Subject"].startswith("Rescheduled:")
    ev = vevent(invite(to_ada))
    assert str(ev["UID"]) == uid
    assert int(ev["SEQUENCE"]) == 1
    assert ev.decoded("DTSTART") == later
    assert "clash" in text(to_ada)

    r = client.post(
        f"/v2/bookings/{moved['uid']}/cancel",
        headers=V_BOOKING,
        json={"cancellationReason": "ill"},
    )
    assert r.status_code == 200, r.text
    to_ada = inbox.wait_for("ada@example.com", 3)[-1]
    to_host = inbox.wait_for(host.email, 3)[-1]
    for message in (to_ada, to_host):
        cal = invite(message)
        assert cal["METHOD"] == "CANCEL"
        ev = vevent(cal)
        assert str(ev["UID"]) == uid
        assert int(ev["SEQUENCE"]) == 2
        assert str(ev["STATUS"]) == "CANCELLED"
    assert "ill" in text(to_ada)


def test_the_links_are_the_bookers(
    client: TestClient, make_account: Any, inbox: Mailbox, settings: Settings
) -> None:
    """As Cal.com's emails: the booker's email can reschedule and cancel; a guest's and the
    host's tell the booking without those links (the pages would act in the booker's name)."""
    host = make_account(time_zone="UTC")
    et = event_type(client, host)
    booked = book(client, et, next_monday() + timedelta(hours=9), attendee=ATTENDEE, guests=[GUEST])
    manage = f"{settings.booker_url}/booking/{booked['uid']}/"

    to_ada = inbox.wait_for("ada@example.com")[0]
    assert f"{manage}cancel" in text(to_ada)
    assert f"{manage}reschedule" in text(to_ada)
    for other, subject in ((GUEST, "Confirmed:"), (host.email, "New event:")):
        message = inbox.wait_for(other)[0]
        assert message["Subject"].startswith(subject), message["Subject"]
        assert manage not in text(message)
        html = message.get_body(("html",))
        assert html is not None
        assert manage not in html.get_content()


def test_a_request_and_its_decline(client: TestClient, make_account: Any, inbox: Mailbox) -> None:
    host = make_account(time_zone="UTC")
    et = event_type(
        client,
        host,
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
    )
    pending = book(client, et, next_monday() + timedelta(hours=10), attendee=ATTENDEE)
    to_ada = inbox.wait_for("ada@example.com")[0]
    to_host = inbox.wait_for(host.email)[0]
    assert to_ada["Subject"].startswith("Request submitted:")
    assert to_host["Subject"].startswith("Action required:")
    assert not list(to_ada.iter_attachments())
    r = client.post(
        f"/v2/bookings/{pending['uid']}/decline",
        headers={**host.headers, **V_BOOKING},
        json={"reason": "busy"},
    )
    assert r.status_code == 200, r.text
    declined = inbox.wait_for("ada@example.com", 2)[-1]
    assert declined["Subject"].startswith("Declined:")


def test_disable_standard_emails_sends_none(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="UTC")
    off = {"all": {"host": True, "attendee": True}}
    et = with_metadata(client, host, event_type(client, host), {"disableStandardEmails": off})
    book(client, et, next_monday() + timedelta(hours=10), attendee=ATTENDEE)
    assert rows(client) == []


def test_a_refused_booking_queues_nothing(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="UTC")
    et = event_type(client, host)
    start = next_monday() + timedelta(hours=10)
    book(client, et, start, attendee=ATTENDEE)
    before = len(rows(client))
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": start.isoformat(), "eventTypeId": et, "attendee": ATTENDEE},
    )
    assert 400 <= r.status_code < 500
    assert len(rows(client)) == before == 2


def test_reminders_follow_the_booking(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="UTC")
    et = with_metadata(client, host, event_type(client, host), {"emailReminderMinutes": 60})
    start = next_monday() + timedelta(hours=10)
    first = book(client, et, start, attendee=ATTENDEE)

    def reminders(uid: str) -> list[OutboundMessage]:
        return [m for m in rows(client) if m.kind == "reminder" and m.booking_uid == uid]

    due = reminders(first["uid"])
    assert {m.recipient for m in due} == {"ada@example.com", host.email}
    assert {m.not_before for m in due} == {start - timedelta(hours=1)}
    assert {m.status for m in due} == {"pending"}

    later = start + timedelta(hours=3)
    r = client.post(
        f"/v2/bookings/{first['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": later.isoformat()},
    )
    assert r.status_code == 201, r.text
    moved = r.json()["data"]
    assert {m.status for m in reminders(first["uid"])} == {"cancelled"}
    assert {m.not_before for m in reminders(moved["uid"])} == {later - timedelta(hours=1)}

    r = client.post(f"/v2/bookings/{moved['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    assert {m.status for m in reminders(moved["uid"])} == {"cancelled"}


def test_emails_wait_for_a_down_smtp_server(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="UTC")
    et = event_type(client, host)
    inbox.stop()
    book(client, et, next_monday() + timedelta(hours=10), attendee=ATTENDEE)
    wait_until(
        lambda: all(m.attempts >= 2 for m in rows(client)), 10, 0.05, "two failed attempts each"
    )
    queued = rows(client)
    assert len(queued) == 2
    assert all(m.status == "pending" and m.attempts >= 2 for m in queued)
    inbox.start()
    assert inbox.wait_for("ada@example.com", timeout=15)
    assert inbox.wait_for(host.email, timeout=15)
    wait_until(lambda: {m.status for m in rows(client)} == {"delivered"}, 5, 0.05, "all delivered")

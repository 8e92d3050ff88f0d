"""A seated event type that hides its attendees (`seats.showAttendeeInfo: false`): a seat
holder's email and its .ics name only that seat and the host, never the other seats (nor
the first booker's name, which the seated booking's stored title carries). The host's email
lists everyone."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from starlette.testclient import TestClient

from calgate.config import Settings
from tests.email.mailbox import Mailbox
from tests.email.test_booking_emails import invite, text, vevent
from tests.pages.test_series_pages import form_fields
from tests.webhooks.conftest import V_BOOKING, book, event_type, next_monday

ADA = {"name": "Ada Lovelace", "email": "ada@example.com", "timeZone": "UTC"}
BOB = {"name": "Bob Byron", "email": "bob@example.com", "timeZone": "UTC"}


def everything(message: EmailMessage) -> str:
    """What the recipient can read: headers, both bodies and the unfolded .ics."""
    html = message.get_body(("html",))
    assert html is not None
    ics = invite(message).to_ical().decode().replace("\r\n ", "")
    return "\n".join([message["Subject"], message["Reply-To"] or "", text(message),
                      str(html.get_content()), ics])  # fmt: skip


def people(message: EmailMessage) -> set[str]:
    found = vevent(invite(message)).get("attendee")
    return {str(a) for a in (found if isinstance(found, list) else [found])}


def test_a_seat_holder_is_not_told_of_the_other_seats(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="UTC", name="Grace Hopper")
    seats = {"seatsPerTimeSlot": 3, "showAttendeeInfo": False, "showAvailabilityCount": True}
    et = event_type(client, host, seats=seats)
    start = next_monday() + timedelta(hours=10)
    book(client, et, start, attendee=ADA, bookingFieldsResponses={"notes": "ada's secret"})
    second = book(client, et, start, attendee=BOB)

    to_bob = inbox.wait_for("bob@example.com")[0]
    assert to_bob["Subject"].startswith("Confirmed:")
    seen = everything(to_bob)
    for private in ("ada@example.com", "Ada Lovelace", "ada's secret"):
        assert private not in seen, private
    assert people(to_bob) == {"mailto:bob@example.com"}
    assert str(vevent(invite(to_bob))["ORGANIZER"]) == f"mailto:{host.email}"

    # The host hears of the new seat with everyone in it.
    to_host = inbox.wait_for(host.email, 2)[-1]
    assert people(to_host) == {"mailto:ada@example.com", "mailto:bob@example.com"}
    assert "ada@example.com" in text(to_host)

    # Bob cancelling his seat: his CANCEL still names only him.
    r = client.post(
        f"/v2/bookings/{second['uid']}/cancel",
        headers=V_BOOKING,
        json={"seatUid": second["seatUid"]},
    )
    assert r.status_code == 200, r.text
    cancelled = inbox.wait_for("bob@example.com", 2)[-1]
    assert invite(cancelled)["METHOD"] == "CANCEL"
    assert "ada@example.com" not in everything(cancelled)
    assert people(cancelled) == {"mailto:bob@example.com"}


def test_seats_shown_to_each_other_when_the_event_type_says_so(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="UTC")
    seats = {"seatsPerTimeSlot": 3, "showAttendeeInfo": True, "showAvailabilityCount": True}
    et = event_type(client, host, seats=seats)
    start = next_monday() + timedelta(hours=10)
    book(client, et, start, attendee=ADA)
    book(client, et, start, attendee=BOB)
    to_bob = inbox.wait_for("bob@example.com")[0]
    assert people(to_bob) == {"mailto:ada@example.com", "mailto:bob@example.com"}


def test_a_seat_holders_cancel_link_cancels_their_seat_alone(
    client: TestClient, make_account: Any, inbox: Mailbox, settings: Settings
) -> None:
    # Every seat shares the booking's uid: the emailed link names the seat, or the page would
    # refuse it (seat_link_required) and no guest could cancel from their email.
    host = make_account(time_zone="UTC", name="Grace Hopper")
    et = event_type(client, host, seats={"seatsPerTimeSlot": 3, "showAttendeeInfo": False})
    start = next_monday() + timedelta(hours=10)
    first = book(client, et, start, attendee=ADA)
    second = book(client, et, start, attendee=BOB)
    body = text(inbox.wait_for("bob@example.com")[0])
    links = re.findall(rf"^(\w+): {re.escape(settings.booker_url)}(\S+)", body, re.MULTILINE)
    cancel = f"/booking/{second['uid']}/cancel?seat={second['seatUid']}"
    # No reschedule link: the pages move no seat.
    assert links == [("Cancel", cancel)]

    form = client.get(cancel)
    assert form.status_code == 200, form.text
    done = client.post(cancel, data=form_fields(form.text, reason=""), follow_redirects=False)
    assert done.status_code == 303, done.text
    r = client.get(f"/v2/bookings/{first['uid']}", headers={**host.headers, **V_BOOKING})
    assert [a["email"] for a in r.json()["data"]["attendees"]] == ["ada@example.com"]
    assert r.json()["data"]["status"] == "accepted"

"""A booking's attendees, guests, location, calendar links and references (issue 13, "add the
missing user-level booking operations"), against Cal.com's published document: who may call
them, what each answers, the webhooks (none: Cal.com only audits these changes), the calendar
write-back and the emails each added person gets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import icalendar
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from calgate.store.models import OutboundMessage, WebhookDelivery
from tests.api.test_bookings import V_BOOKINGS, at, book, make_event_type, monday
from tests.api.test_calcom_document import response_schema, validate
from tests.calendars.servers import Radicale, radicale
from tests.support import outbound
from tests.support.api import assert_error, assert_ok
from tests.support.db import scalars
from tests.support.waiting import wait_until
from tests.webhooks.conftest import subscribe
from tests.webhooks.receiver import Receiver, receiver

BOOKING = "/v2/bookings/{bookingUid}"


# Webhook receivers, the CalDAV and the SMTP server of these tests listen on loopback.
inbox = outbound.inbox
settings = outbound.settings


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    with receiver() as rec:
        yield rec


@pytest.fixture
def caldav_server(tmp_path: Path) -> Iterator[Radicale]:
    with radicale(tmp_path / "radicale") as server:
        yield server


def _read(client: TestClient, model: Any) -> list[Any]:
    return scalars(client, select(model).order_by(model.id))


def _setup(
    client: TestClient, make_account: Any, **event_type: Any
) -> tuple[Any, str, dict[str, str]]:
    host = make_account(time_zone="UTC", name="Host Person")
    et = make_event_type(client, host, **event_type)
    uid = book(client, et, at(monday(), "10:00"), email="ada@example.com", name="Ada")["uid"]
    return host, uid, {**host.headers, **V_BOOKINGS}


def test_attendees_add_list_and_get(client: TestClient, make_account: Any) -> None:
    _, uid, hosted = _setup(client, make_account)
    r = client.post(
        f"/v2/bookings/{uid}/attendees",
        headers=hosted,
        json={"name": "Bob", "email": "Bob@Example.com", "timeZone": "Europe/Rome",
              "language": "it", "phoneNumber": "+390612345678"},
    )  # fmt: skip
    added = assert_ok(r, 201)
    validate(r.json(), response_schema(f"{BOOKING}/attendees", "post", "201"))
    assert added["email"] == "bob@example.com"
    assert added["timeZone"] == "Europe/Rome"
    assert added["language"] == "it"
    assert added["absent"] is False

    r = client.get(f"/v2/bookings/{uid}/attendees", headers=hosted)
    listed = assert_ok(r)
    validate(r.json(), response_schema(f"{BOOKING}/attendees", "get", "200"))
    assert [a["email"] for a in listed] == ["ada@example.com", "bob@example.com"]

    r = client.get(f"/v2/bookings/{uid}/attendees/{added['id']}", headers=hosted)
    validate(r.json(), response_schema(f"{BOOKING}/attendees/{{attendeeId}}", "get", "200"))
    assert assert_ok(r)["name"] == "Bob"
    assert_error(client.get(f"/v2/bookings/{uid}/attendees/999999", headers=hosted), 404)
    assert_error(client.get(f"/v2/bookings/{uid}/attendees/abc", headers=hosted), 400)

    # The booking shows them as a guest; adding the same person again is refused.
    booking = client.get(f"/v2/bookings/{uid}", headers=V_BOOKINGS).json()["data"]
    assert booking["guests"] == ["bob@example.com"]
    again = {"name": "Bob", "email": "bob@example.com", "timeZone": "UTC"}
    assert_error(client.post(f"/v2/bookings/{uid}/attendees", headers=hosted, json=again), 400)


def test_guests_answer_the_booking(client: TestClient, make_account: Any) -> None:
    _, uid, hosted = _setup(client, make_account)
    r = client.post(
        f"/v2/bookings/{uid}/guests",
        headers=hosted,
        json={"guests": [{"email": "john.doe@example.com", "name": "John Doe",
                          "timeZone": "America/New_York"},
                         {"email": "jane.smith@example.com", "name": "Jane Smith"},
                         {"email": "ada@example.com"}]},
    )  # fmt: skip
    data = assert_ok(r)
    validate(r.json(), response_schema(f"{BOOKING}/guests", "post", "200"))
    assert data["uid"] == uid
    # The one already on the booking is skipped, as Cal.com does.
    assert data["guests"] == ["john.doe@example.com", "jane.smith@example.com"]
    people = client.get(f"/v2/bookings/{uid}/attendees", headers=hosted).json()["data"]
    # A guest without a time zone gets the organizer's.
    assert {a["email"]: a["timeZone"] for a in people}["jane.smith@example.com"] == "UTC"

    eleven = {"guests": [{"email": f"g{i}@example.com"} for i in range(11)]}
    assert_error(client.post(f"/v2/bookings/{uid}/guests", headers=hosted, json=eleven), 400)
    bad_zone = {"guests": [{"email": "z@example.com", "timeZone": "Mars/Olympus"}]}
    assert_error(client.post(f"/v2/bookings/{uid}/guests", headers=hosted, json=bad_zone), 400)


def test_seats_and_guest_limits(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="UTC")
    hosted = {**host.headers, **V_BOOKINGS}
    et = make_event_type(
        client, host,
        seats={"seatsPerTimeSlot": 2, "showAttendeeInfo": False, "showAvailabilityCount": True},
    )  # fmt: skip
    uid = book(client, et, at(monday(), "10:00"), email="one@example.com")["uid"]
    body = {"name": "Two", "email": "two@example.com", "timeZone": "UTC"}
    assert_ok(client.post(f"/v2/bookings/{uid}/attendees", headers=hosted, json=body), 201)
    seated = client.get(f"/v2/bookings/{uid}", headers=hosted).json()["data"]
    assert all(a.get("seatUid") for a in seated["attendees"])
    body = {"name": "Three", "email": "three@example.com", "timeZone": "UTC"}
    assert_error(client.post(f"/v2/bookings/{uid}/attendees", headers=hosted, json=body), 400)
    # Seats hide each other: an attendee with credentials sees only their own seat.
    two = {**make_account(email="two@example.com").headers, **V_BOOKINGS}
    mine = assert_ok(client.get(f"/v2/bookings/{uid}/attendees", headers=two))
    assert [a["email"] for a in mine] == ["two@example.com"]
    everyone = assert_ok(client.get(f"/v2/bookings/{uid}/attendees", headers=hosted))
    assert [a["email"] for a in everyone] == ["one@example.com", "two@example.com"]
    first = everyone[0]["id"]
    assert_error(client.get(f"/v2/bookings/{uid}/attendees/{first}", headers=two), 404)
    # Nor do their add-to-calendar links: the ICS event lists only their seat.
    links = assert_ok(client.get(f"/v2/bookings/{uid}/calendar-links", headers=two))
    ics = unquote(next(i["link"] for i in links if i["id"] == "ics")).replace("\r\n ", "")
    assert "two@example.com" in ics
    assert "one@example.com" not in ics
    links = assert_ok(client.get(f"/v2/bookings/{uid}/calendar-links", headers=hosted))
    ics = unquote(next(i["link"] for i in links if i["id"] == "ics")).replace("\r\n ", "")
    assert "one@example.com" in ics

    _, plain, hosted = _setup(client, make_account)
    for batch in range(3):
        guests = [{"email": f"g{batch}-{i}@example.com"} for i in range(10)]
        r = client.post(f"/v2/bookings/{plain}/guests", headers=hosted, json={"guests": guests})
        assert_ok(r)
    one_more = {"guests": [{"email": "thirty-one@example.com"}]}
    assert_error(client.post(f"/v2/bookings/{plain}/guests", headers=hosted, json=one_more), 400)


def test_hidden_guests_field_refuses_guests(client: TestClient, make_account: Any) -> None:
    hidden = [{"type": "multiemail", "slug": "guests", "label": "Guests", "required": False,
               "hidden": True}]  # fmt: skip
    _, uid, hosted = _setup(client, make_account, bookingFields=hidden)
    r = client.post(f"/v2/bookings/{uid}/guests", headers=hosted, json={"guests": [
        {"email": "x@example.com"}]})  # fmt: skip
    assert "guests field is disabled" in assert_error(r, 400)["error"]["message"]


def test_who_may_call(client: TestClient, make_account: Any) -> None:
    _, uid, hosted = _setup(client, make_account)
    outsider = {**make_account().headers, **V_BOOKINGS}
    attendee = {**make_account(email="ada@example.com").headers, **V_BOOKINGS}
    guest = {"guests": [{"email": "x@example.com"}]}
    link = {"location": {"type": "link", "link": "https://meet.example.com/room"}}
    calls: list[tuple[str, str, Any]] = [
        ("GET", "attendees", None),
        ("POST", "attendees", {"name": "N", "email": "n@example.com", "timeZone": "UTC"}),
        ("POST", "guests", guest),
        ("PATCH", "location", link),
        ("GET", "calendar-links", None),
        ("GET", "references", None),
    ]
    for method, tail, body in calls:
        url = f"/v2/bookings/{uid}/{tail}"
        assert_error(client.request(method, url, headers=V_BOOKINGS, json=body), 401)
        # To anyone else the booking doesn't exist (README: ids can't be probed).
        assert_error(client.request(method, url, headers=outsider, json=body), 404)
        missing = f"/v2/bookings/no-such-booking/{tail}"
        assert_error(client.request(method, missing, headers=hosted, json=body), 404)
        # Like Cal.com, these operations exist only in cal-api-version 2024-08-13.
        assert_error(client.request(method, url, headers=hosted_legacy(hosted), json=body), 404)
    # An attendee of the booking may read it and add people, not move it.
    assert_ok(client.get(f"/v2/bookings/{uid}/attendees", headers=attendee))
    assert_ok(client.post(f"/v2/bookings/{uid}/guests", headers=attendee, json=guest))
    assert_ok(client.get(f"/v2/bookings/{uid}/calendar-links", headers=attendee))
    assert_error(client.patch(f"/v2/bookings/{uid}/location", headers=attendee, json=link), 403)
    assert_error(client.get(f"/v2/bookings/{uid}/references", headers=attendee), 403)


def hosted_legacy(hosted: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in hosted.items() if k != "cal-api-version"}


@pytest.mark.parametrize(
    ("tail", "method", "body", "field"),
    [
        ("attendees", "POST", {"name": "N", "timeZone": "UTC"}, "email"),
        ("attendees", "POST", {"email": "n@example.com", "timeZone": "UTC"}, "name"),
        ("guests", "POST", {}, "guests"),
        ("guests", "POST", {"guests": [{"name": "No Email"}]}, "email"),
        ("location", "PATCH", {"location": {"type": "link"}}, "link"),
        ("location", "PATCH", {"location": {"address": "1 Main St"}}, "type"),
    ],
)
def test_missing_required_field_is_a_400_envelope(
    client: TestClient, make_account: Any, tail: str, method: str, body: Any, field: str
) -> None:
    _, uid, hosted = _setup(client, make_account)
    r = client.request(method, f"/v2/bookings/{uid}/{tail}", headers=hosted, json=body)
    payload = assert_error(r, 400, "BadRequestException")
    assert field in payload["error"]["message"]


def test_location_updates_and_meeting_url(client: TestClient, make_account: Any) -> None:
    _, uid, hosted = _setup(client, make_account)
    url = f"/v2/bookings/{uid}/location"
    link = {"location": {"type": "link", "link": "https://meet.example.com/x"}}
    r = client.patch(url, headers=hosted, json=link)
    data = assert_ok(r)
    validate(r.json(), response_schema(f"{BOOKING}/location", "patch", "200"))
    assert data["location"] == "https://meet.example.com/x"
    assert data["meetingUrl"] == "https://meet.example.com/x"

    address = {"location": {"type": "address", "address": "1 Main St"}}
    r = client.patch(url, headers=hosted, json=address)
    data = assert_ok(r)
    assert data["location"] == "1 Main St"
    assert "meetingUrl" not in data
    assert data["bookingFieldsResponses"]["location"] == {
        "value": "inPerson",
        "optionValue": "1 Main St",
    }
    # No location: the booking as it is.
    assert assert_ok(client.patch(url, headers=hosted, json={}))["location"] == "1 Main St"

    # A conferencing integration: its meeting room becomes the location and the meetingUrl,
    # and a reference of the booking.
    jitsi = {"location": {"type": "integration", "integration": "jitsi"}}
    assert_error(client.patch(url, headers=hosted, json=jitsi), 400)  # not connected yet
    assert_ok(client.post("/v2/conferencing/jitsi/connect", headers=hosted))
    data = assert_ok(client.patch(url, headers=hosted, json=jitsi))
    assert data["meetingUrl"].startswith("https://meet.jit.si/calgate-")
    assert data["location"] == data["meetingUrl"]
    r = client.get(f"/v2/bookings/{uid}/references", headers=hosted)
    validate(r.json(), response_schema(f"{BOOKING}/references", "get", "200"))
    [ref] = assert_ok(r)
    assert ref["type"] == "jitsi_video"
    assert data["meetingUrl"].endswith("/" + ref["eventUid"])
    unsupported = {"location": {"type": "integration", "integration": "zoom"}}
    assert_error(client.patch(url, headers=hosted, json=unsupported), 400)


def test_calendar_links(client: TestClient, make_account: Any) -> None:
    _, uid, hosted = _setup(client, make_account, description="Talk it through")
    client.patch(
        f"/v2/bookings/{uid}/location",
        headers=hosted,
        json={"location": {"type": "address", "address": "1 Main St, Springfield"}},
    )
    r = client.get(f"/v2/bookings/{uid}/calendar-links", headers=hosted)
    links = assert_ok(r)
    validate(r.json(), response_schema(f"{BOOKING}/calendar-links", "get", "200"))
    by_label = {item["label"]: item["link"] for item in links}
    assert list(by_label) == [
        "Google Calendar", "Microsoft Office", "Microsoft Outlook", "ICS", "Yahoo Calendar",
    ]  # fmt: skip
    booking = client.get(f"/v2/bookings/{uid}", headers=V_BOOKINGS).json()["data"]
    start, end = booking["start"], booking["end"]
    compact = start[:19].replace("-", "").replace(":", "") + "Z"
    google = by_label["Google Calendar"]
    assert google.startswith("https://calendar.google.com/calendar/r/eventedit?")
    assert f"dates={compact}" in google
    assert "location=1%20Main%20St%2C%20Springfield" in google
    assert "details=Talk%20it%20through" in google
    assert by_label["Microsoft Office"].startswith("https://outlook.office.com/calendar/0/deeplink")
    assert f"startdt={start[:19]}Z" in unquote(by_label["Microsoft Outlook"])
    assert by_label["Yahoo Calendar"].startswith("https://calendar.yahoo.com/?v=60")

    ics = by_label["ICS"]
    assert ics.startswith("data:text/calendar,")
    event = next(iter(icalendar.Calendar.from_ical(unquote(ics.split(",", 1)[1])).walk("VEVENT")))
    assert str(event["uid"]) == booking["icsUid"]
    assert event.decoded("dtstart").isoformat().replace("+00:00", ".000Z") == start
    assert event.decoded("dtend").isoformat().replace("+00:00", ".000Z") == end
    assert str(event["location"]) == "1 Main St, Springfield"


def test_webhooks_emails_and_write_back(
    client: TestClient, make_account: Any, hook_receiver: Receiver, caldav_server: Radicale
) -> None:
    host = make_account(time_zone="UTC", name="Host Person")
    hosted = {**host.headers, **V_BOOKINGS}
    calendar_url = caldav_server.make_calendar("hana", "work")
    r = client.post(
        "/v2/calendars/caldav/credentials",
        headers=host.headers,
        json={"username": "hana", "password": "pw", "url": caldav_server.url},
    )
    assert r.status_code == 201, r.text
    r = client.put(
        "/v2/destination-calendars",
        headers=host.headers,
        json={"integration": "caldav_calendar", "externalId": calendar_url},
    )
    assert r.status_code == 200, r.text
    booking_triggers = ["BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED",
                        "BOOKING_REQUESTED", "BOOKING_REJECTED", "BOOKING_CONFIRMED",
                        "BOOKING_NO_SHOW_UPDATED"]  # fmt: skip
    subscribe(client, host, hook_receiver.url, booking_triggers)
    et = make_event_type(client, host)
    uid = book(client, et, at(monday(), "10:00"), email="ada@example.com", name="Ada")["uid"]
    wait_until(lambda: caldav_server.get(calendar_url, uid, "hana").status_code == 200, 20)

    sent_before = {m.id for m in _read(client, OutboundMessage)}
    r = client.post(
        f"/v2/bookings/{uid}/guests",
        headers=hosted,
        json={"guests": [{"email": "grace@example.com", "name": "Grace Hopper"}]},
    )
    assert_ok(r)
    # The calendar event is rewritten with the new guest.
    wait_until(
        lambda: (
            "grace@example.com"
            in caldav_server.get(calendar_url, uid, "hana").text.replace("\r\n ", "")
        ),
        20,
        what="the write-back of the added guest",
    )
    [ref] = assert_ok(client.get(f"/v2/bookings/{uid}/references", headers=hosted))
    assert ref["type"] == "caldav_calendar"
    assert ref["eventUid"] == uid
    kinds = client.get(f"/v2/bookings/{uid}/references?type=zoom_video", headers=hosted)
    assert assert_ok(kinds) == []

    # Emails: the new guest's invite (with everyone in it), a notice to the host and Ada.
    added = [m for m in _read(client, OutboundMessage) if m.id not in sent_before]
    to = {m.recipient: m for m in added}
    assert len(added) == 3
    assert to["grace@example.com"].subject.startswith("Confirmed:")
    assert to["ada@example.com"].subject.startswith("New guests:")
    assert to[host.email].subject.startswith("New guests:")
    invite = icalendar.Calendar.from_ical(to["grace@example.com"].ics)
    people = {str(a) for a in next(iter(invite.walk("VEVENT"))).get("attendee")}
    assert people == {"mailto:ada@example.com", "mailto:grace@example.com"}

    # Webhooks: Cal.com sends none for added people; later ones carry them.
    assert_ok(client.post(f"/v2/bookings/{uid}/cancel", headers=V_BOOKINGS, json={}))
    received = hook_receiver.wait_for(2)
    assert [r.json()["triggerEvent"] for r in received] == ["BOOKING_CREATED", "BOOKING_CANCELLED"]
    cancelled = received[1].json()["payload"]
    assert "grace@example.com" in {a["email"] for a in cancelled["attendees"]}
    triggers = [d.trigger for d in _read(client, WebhookDelivery)]
    assert triggers == ["BOOKING_CREATED", "BOOKING_CANCELLED"]


def test_added_to_a_pending_booking(client: TestClient, make_account: Any) -> None:
    _, uid, hosted = _setup(client, make_account, confirmationPolicy={"type": "always"})
    assert client.get(f"/v2/bookings/{uid}", headers=V_BOOKINGS).json()["data"]["status"] == (
        "pending"
    )
    sent_before = {m.id for m in _read(client, OutboundMessage)}
    r = client.post(f"/v2/bookings/{uid}/guests", headers=hosted, json={"guests": [
        {"email": "pat@example.com"}]})  # fmt: skip
    assert_ok(r)
    new = {m.recipient: m for m in _read(client, OutboundMessage) if m.id not in sent_before}
    # No invite until the host confirms; the new guest is told it is a request.
    assert new["pat@example.com"].subject.startswith("Request submitted:")
    assert all(m.ics is None for m in new.values())

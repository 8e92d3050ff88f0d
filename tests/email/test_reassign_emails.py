"""A round-robin booking handed to another host, through a real SMTP server, as Cal.com's
reassignment emails: the new host gets the scheduled email with the invite, the previous host a
"reassigned" email whose METHOD:CANCEL (the meeting's UID, from the organizer their copy named)
takes the meeting out of their calendar, and the attendees an "updated" email naming the new
host, with the invite now organized by them; an occurrence of a series stays the series' one
event; reminders follow the new host; a refused reassignment sends nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from calgate.config import Settings
from calgate.store.models import EventType, OutboundMessage
from tests.calendars.test_series_writeback import (
    ADA,
    FIRST,
    NOW,
    WEEKLY_4,
    book_series,
    expanded,
    split,
    starts,
)
from tests.email.mailbox import Mailbox
from tests.email.test_booking_emails import invite, rows, text, vevent
from tests.email.test_recipients import team_event_type
from tests.email.test_team_verified import team
from tests.support.clock import instant, travel, z
from tests.support.db import scalars
from tests.support.waiting import wait_until
from tests.webhooks.conftest import V_BOOKING

BOB = "bob@example.com"


@pytest.fixture(autouse=True)
def _march_2027() -> Iterator[None]:
    with travel(NOW):
        yield


@dataclass(frozen=True)
class Host:
    account: Any
    name: str

    @property
    def id(self) -> int:
        return int(self.account.id)

    @property
    def email(self) -> str:
        return str(self.account.email)

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.account.headers)


def round_robin(
    client: TestClient, make_account: Any, **fields: Any
) -> tuple[Any, Host, Host, int]:
    """A team (its owner) with two round-robin hosts, Ann in New York and Ben in Berlin, both
    free at FIRST (10:00 in New York, 16:00 in Berlin); the event type."""
    owner = make_account(time_zone="America/New_York")
    ann = Host(make_account(time_zone="America/New_York", name="Ann Host"), "Ann Host")
    ben = Host(make_account(time_zone="Europe/Berlin", name="Ben Host"), "Ben Host")
    tid = team(client, owner, (ann, "MEMBER"), (ben, "MEMBER"))
    et = team_event_type(
        client,
        owner,
        tid,
        schedulingType="roundRobin",
        hosts=[{"userId": ann.id}, {"userId": ben.id}],
        **fields,
    )
    return owner, ann, ben, et


def with_metadata(client: TestClient, et: int, metadata: dict[str, Any]) -> None:
    """A team event type's Cal.com metadata: the API takes metadata only in the original
    (2024-04-15) event type shape, which has no team event types, so it is set in the store."""
    db = client.app.state.calgate.db  # type: ignore[attr-defined]

    async def write() -> None:
        async with db.transaction() as session:
            await session.execute(
                update(EventType).where(EventType.id == et).values(metadata_=metadata)
            )

    assert client.portal is not None
    client.portal.call(write)


def book(client: TestClient, et: int, **extra: Any) -> dict[str, Any]:
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": z(FIRST), "eventTypeId": et, "attendee": ADA, **extra},
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def reassign(client: TestClient, by: Any, uid: str, to: int | None = None, **body: Any) -> int:
    path = f"/v2/bookings/{uid}/reassign" + (f"/{to}" if to is not None else "")
    r = client.post(path, headers={**by.headers, **V_BOOKING}, json=body)
    assert r.status_code == 200, r.text
    return int(r.json()["data"]["reassignedTo"]["id"])


def hosts_of(booking: dict[str, Any], ann: Host, ben: Host) -> tuple[Host, Host]:
    """(the host the booking went to, the other one)."""
    first = ann if booking["hosts"][0]["id"] == ann.id else ben
    return first, (ben if first is ann else ann)


def sent(client: TestClient, inbox: Mailbox) -> Counter[str]:
    """Once every queued email went out: how many each recipient got."""

    def delivered() -> Counter[str] | None:
        queued = [m for m in rows(client) if m.kind == "booking"]
        if any(m.status != "delivered" for m in queued) or len(inbox.messages) < len(queued):
            return None
        return Counter(m.recipient for m in queued)

    found: Counter[str] = wait_until(delivered, 10, 0.05, "every booking email sent")
    return found


def one_event(message: EmailMessage) -> tuple[str, Any]:
    cal = invite(message)
    (event,) = cal.walk("VEVENT")
    return str(cal["METHOD"]), event


def test_the_new_host_the_previous_host_and_the_attendees_each_hear_of_it(
    client: TestClient, make_account: Any, inbox: Mailbox, settings: Settings
) -> None:
    owner, ann, ben, et = round_robin(client, make_account)
    booking = book(client, et, guests=[BOB])
    uid, ics_uid = booking["uid"], booking["icsUid"]
    first, other = hosts_of(booking, ann, ben)
    assert booking["title"] == f"Team call between {first.name} and {ADA['name']}"
    assert sent(client, inbox) == Counter({ADA["email"]: 1, BOB: 1, first.email: 1})

    # The organizer hands it on, to the only other host; the title names them now, as
    # Cal.com renames a reassigned booking.
    assert reassign(client, first, uid) == other.id
    assert sent(client, inbox) == Counter({ADA["email"]: 2, BOB: 2, first.email: 2, other.email: 1})
    title = client.get(f"/v2/bookings/{uid}", headers=V_BOOKING).json()["data"]["title"]
    assert title == f"Team call between {other.name} and {ADA['name']}"

    (to_new,) = inbox.to(other.email)
    assert to_new["Subject"] == f"New event: {title}"
    assert "A booking has been reassigned to you" in text(to_new)
    assert f"{first.name} was its host until now." in text(to_new)
    when = "16:00 - 16:30 (Europe/Berlin)" if other is ben else "10:00 - 10:30 (America/New_York)"
    assert when in text(to_new), text(to_new)
    method, event = one_event(to_new)
    assert method == "REQUEST"
    assert str(event["UID"]) == ics_uid
    assert int(event["SEQUENCE"]) == 1
    assert str(event["ORGANIZER"]) == f"mailto:{other.email}"
    assert event.decoded("DTSTART") == FIRST
    assert {str(a) for a in event.get("ATTENDEE")} == {f"mailto:{ADA['email']}", f"mailto:{BOB}"}

    to_previous = inbox.to(first.email)[-1]
    assert to_previous["Subject"] == f"Reassigned: {title}"
    assert "Your event has been reassigned" in text(to_previous)
    assert f"{other.name} is its host now; you no longer host it." in text(to_previous)
    method, event = one_event(to_previous)
    # Their calendar drops the meeting: the same UID, from the organizer their copy named.
    assert method == "CANCEL"
    assert str(event["UID"]) == ics_uid
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["ORGANIZER"]) == f"mailto:{first.email}"

    manage = f"{settings.booker_url}/booking/{uid}/"
    for who in (ADA["email"], BOB):
        updated = inbox.to(who)[-1]
        assert updated["Subject"] == f"Updated: {title}"
        assert "Your event has been updated" in text(updated)
        assert f"{other.name} is your host now." in text(updated)
        assert f"Host: {other.name}" in text(updated)
        assert other.email in str(updated["Reply-To"])
        method, event = one_event(updated)
        assert method == "REQUEST"
        assert str(event["UID"]) == ics_uid
        assert int(event["SEQUENCE"]) == 1
        assert str(event["ORGANIZER"]) == f"mailto:{other.email}"
        # The booker's links, as in every email of the standing booking; not the guest's.
        assert (f"{manage}cancel" in text(updated)) is (who == ADA["email"])
    # Nobody's email tells the reason of a reassignment made without one.
    assert all("Reason:" not in text(m) for m in inbox.messages)

    # An admin hands it back, with a reason: the first host's invite outranks the CANCEL they
    # got (SEQUENCE 2 over 1), so their calendar takes the meeting again.
    assert reassign(client, owner, uid, first.id, reason="Ben is ill") == first.id
    assert sent(client, inbox) == Counter({ADA["email"]: 3, BOB: 3, first.email: 3, other.email: 2})
    title = booking["title"]
    back = inbox.to(first.email)[-1]
    assert back["Subject"] == f"New event: {title}"
    assert f"{other.name} was its host until now." in text(back)
    assert "Reason: Ben is ill" in text(back)
    method, event = one_event(back)
    assert (method, str(event["UID"]), int(event["SEQUENCE"])) == ("REQUEST", ics_uid, 2)
    away = inbox.to(other.email)[-1]
    assert away["Subject"] == f"Reassigned: {title}"
    assert "Ben is ill" not in text(away)
    method, event = one_event(away)
    assert (method, str(event["UID"]), int(event["SEQUENCE"])) == ("CANCEL", ics_uid, 2)
    assert "Ben is ill" not in text(inbox.to(ADA["email"])[-1])
    # The booking page's download has the meeting at the SEQUENCE its invites carry.
    got = client.get(f"/booking/{uid}/event.ics")
    assert got.status_code == 200, got.text
    assert int(vevent(icalendar.Calendar.from_ical(got.text))["SEQUENCE"]) == 2


def test_a_refused_reassignment_sends_nothing(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    owner, ann, ben, et = round_robin(client, make_account)
    booking = book(client, et)
    first, other = hosts_of(booking, ann, ben)
    # The other host is taken at that time: a second booking then can only be theirs.
    second = book(client, et, attendee={**ADA, "email": "eve@example.com"})
    assert second["hosts"][0]["id"] == other.id
    before = sent(client, inbox)

    uid = booking["uid"]
    for by, path, status in (
        (first, f"/v2/bookings/{uid}/reassign", 400),  # nobody else is free
        (owner, f"/v2/bookings/{uid}/reassign/{other.id}", 400),  # the admin's pick is busy
        (owner, f"/v2/bookings/{uid}/reassign/{owner.id}", 400),  # not a host
        (other, f"/v2/bookings/{uid}/reassign", 404),  # a member, not its organizer
        (first, f"/v2/bookings/{uid}/reassign/{other.id}", 403),  # a member can't choose
    ):
        r = client.post(path, headers={**by.headers, **V_BOOKING}, json={})
        assert r.status_code == status, (path, r.text)
    assert sent(client, inbox) == before
    assert len(inbox.messages) == sum(before.values())
    got = client.get(f"/v2/bookings/{uid}", headers=V_BOOKING).json()["data"]
    assert got["hosts"][0]["id"] == first.id


def test_a_request_reassigned(client: TestClient, make_account: Any, inbox: Mailbox) -> None:
    """A booking still to be confirmed: the new host is asked to confirm it; nobody had it in
    their calendar, so nobody gets an invite."""
    _, ann, ben, et = round_robin(
        client,
        make_account,
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
    )
    booking = book(client, et)
    assert booking["status"] == "pending"
    first, other = hosts_of(booking, ann, ben)
    sent(client, inbox)
    assert reassign(client, first, booking["uid"]) == other.id
    assert sent(client, inbox) == Counter({ADA["email"]: 2, first.email: 2, other.email: 1})
    title = f"Team call between {other.name} and {ADA['name']}"
    to_new = inbox.to(other.email)[-1]
    assert to_new["Subject"] == f"Action required: {title}"
    assert "A booking request has been reassigned to you" in text(to_new)
    assert inbox.to(first.email)[-1]["Subject"] == f"Reassigned: {title}"
    assert inbox.to(ADA["email"])[-1]["Subject"] == f"Updated: {title}"
    for message in (to_new, inbox.to(first.email)[-1], inbox.to(ADA["email"])[-1]):
        assert not list(message.iter_attachments())


def test_each_in_their_own_language(client: TestClient, make_account: Any, inbox: Mailbox) -> None:
    _, ann, ben, et = round_robin(client, make_account)
    for acct, locale in ((ann, "de"), (ben, "fr")):
        r = client.patch("/v2/me", headers=acct.headers, json={"locale": locale})
        assert r.status_code == 200, r.text
    booking = book(client, et, attendee={**ADA, "language": "es"})
    first, other = hosts_of(booking, ann, ben)
    sent(client, inbox)
    reassign(client, first, booking["uid"])
    sent(client, inbox)
    subjects = {
        "de": ("Neuer Termin:", "Übertragen:"),
        "fr": ("Nouvel événement :", "Réattribué :"),
    }
    new_locale = "de" if other is ann else "fr"
    old_locale = "de" if first is ann else "fr"
    assert inbox.to(other.email)[-1]["Subject"].startswith(subjects[new_locale][0])
    assert inbox.to(first.email)[-1]["Subject"].startswith(subjects[old_locale][1])
    to_ada = inbox.to(ADA["email"])[-1]
    assert to_ada["Subject"].startswith("Actualizado:")
    assert f"Ahora tu anfitrión es {other.name}." in text(to_ada)


def test_an_occurrence_stays_the_series_one_event(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    owner, ann, ben, et = round_robin(client, make_account, recurrence=WEEKLY_4)
    occurrences = book_series(client, et)
    booked = starts(occurrences)
    series_uid = occurrences[0]["icsUid"]
    (first_id,) = {o["hosts"][0]["id"] for o in occurrences}
    first, other = (ann, ben) if first_id == ann.id else (ben, ann)
    assert sent(client, inbox) == Counter({ADA["email"]: 1, first.email: 1})

    # The second occurrence to the other host.
    assert reassign(client, owner, occurrences[1]["uid"], other.id) == other.id
    assert sent(client, inbox) == Counter({ADA["email"]: 2, first.email: 2, other.email: 1})
    # The new host gets the series as they now hold it: that one occurrence, the series' UID.
    cal = invite(inbox.to(other.email)[-1])
    assert cal["METHOD"] == "REQUEST"
    master, _ = split(cal)
    assert str(master["UID"]) == series_uid
    assert str(master["ORGANIZER"]) == f"mailto:{other.email}"
    assert expanded(cal) == [booked[1]]
    # The previous host's CANCEL takes only that occurrence out of their series.
    method, event = one_event(inbox.to(first.email)[-1])
    assert method == "CANCEL"
    assert str(event["UID"]) == series_uid
    assert instant(event.decoded("RECURRENCE-ID").isoformat()) == booked[1]
    assert str(event["ORGANIZER"]) == f"mailto:{first.email}"
    # The attendee's invite updates that occurrence of the series they have.
    method, event = one_event(inbox.to(ADA["email"])[-1])
    assert method == "REQUEST"
    assert str(event["UID"]) == series_uid
    assert instant(event.decoded("RECURRENCE-ID").isoformat()) == booked[1]
    assert str(event["ORGANIZER"]) == f"mailto:{other.email}"


def test_host_emails_turned_off(client: TestClient, make_account: Any, inbox: Mailbox) -> None:
    """`disableStandardEmails.all.host`, as Cal.com: neither host hears of it, the attendee
    does."""
    _, ann, ben, et = round_robin(client, make_account)
    with_metadata(client, et, {"disableStandardEmails": {"all": {"host": True}}})
    booking = book(client, et)
    first, _ = hosts_of(booking, ann, ben)
    sent(client, inbox)
    reassign(client, first, booking["uid"])
    assert sent(client, inbox) == Counter({ADA["email"]: 2})


def test_reminders_follow_the_new_host(client: TestClient, make_account: Any) -> None:
    _, ann, ben, et = round_robin(client, make_account)
    with_metadata(client, et, {"emailReminderMinutes": 60})
    booking = book(client, et)
    first, other = hosts_of(booking, ann, ben)

    def pending() -> dict[str, OutboundMessage]:
        found = scalars(
            client,
            select(OutboundMessage).where(
                OutboundMessage.kind == "reminder", OutboundMessage.status == "pending"
            ),
        )
        return {m.recipient: m for m in found}

    assert set(pending()) == {ADA["email"], first.email}
    reassign(client, first, booking["uid"])
    reminders = pending()
    assert set(reminders) == {ADA["email"], other.email}
    assert f"Host: {other.name}" in reminders[ADA["email"]].text
    assert other.email in str(reminders[ADA["email"]].reply_to)

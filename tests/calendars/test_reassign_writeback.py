"""A round-robin booking handed to another host moves between the hosts' connected CalDAV
calendars (Radicale): it leaves the previous host's calendar and is in the new host's, under
the same UID; an occurrence of a recurring series moves within the series' one recurring event,
left out of the previous host's and in the new host's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
from starlette.testclient import TestClient

from tests.calendars.servers import Radicale
from tests.calendars.test_meeting_uid import connect
from tests.calendars.test_series_writeback import (
    ADA,
    FIRST,
    NOW,
    WEEKLY_4,
    book_series,
    expanded,
    settled,
    split,
    starts,
)
from tests.email.test_recipients import team_event_type
from tests.email.test_team_verified import team
from tests.support import outbound
from tests.support.clock import travel, z
from tests.webhooks.conftest import V_BOOKING

inbox = outbound.inbox
settings = outbound.settings


@pytest.fixture(autouse=True)
def _march_2027() -> Iterator[None]:
    with travel(NOW):
        yield


class Host:
    """A team member with a connected CalDAV calendar as the write-back destination."""

    def __init__(self, client: TestClient, account: Any, server: Radicale, user: str) -> None:
        self.account = account
        self.server = server
        self.user = user
        self.calendar_url = connect(client, account, server, user)

    @property
    def id(self) -> int:
        return int(self.account.id)

    def resources(self) -> dict[str, icalendar.Calendar]:
        return self.server.events(self.calendar_url, self.user)


def round_robin(
    client: TestClient, make_account: Any, server: Radicale, **fields: Any
) -> tuple[Any, dict[int, Host], int]:
    """A team with two round-robin hosts, each with a connected calendar: its owner, the hosts
    by id, the event type."""
    owner = make_account(time_zone="America/New_York")
    a = make_account(time_zone="America/New_York", name="Ann")
    b = make_account(time_zone="America/New_York", name="Ben")
    tid = team(client, owner, (a, "MEMBER"), (b, "MEMBER"))
    hosts = {a.id: Host(client, a, server, "ann"), b.id: Host(client, b, server, "ben")}
    et = team_event_type(
        client,
        owner,
        tid,
        schedulingType="roundRobin",
        hosts=[{"userId": a.id}, {"userId": b.id}],
        **fields,
    )
    return owner, hosts, et


def reassign(client: TestClient, by: Any, uid: str, to: int | None = None) -> int:
    path = f"/v2/bookings/{uid}/reassign" + (f"/{to}" if to is not None else "")
    r = client.post(path, headers={**by.headers, **V_BOOKING}, json={})
    assert r.status_code == 200, r.text
    return int(r.json()["data"]["reassignedTo"]["id"])


def organizer(cal: icalendar.Calendar) -> str:
    return str(split(cal)[0]["ORGANIZER"])


def test_a_reassigned_booking_moves_to_the_new_hosts_calendar(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    owner, hosts, et = round_robin(client, make_account, caldav_server)
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": z(FIRST), "eventTypeId": et, "attendee": ADA},
    )
    assert r.status_code == 201, r.text
    booking = r.json()["data"]
    uid, ics_uid = booking["uid"], booking["icsUid"]
    first = hosts[booking["hosts"][0]["id"]]
    (other,) = (h for h in hosts.values() if h is not first)
    assert settled(client) == [("put", uid)]
    assert list(first.resources()) == [f"{uid}.ics"]
    assert other.resources() == {}

    # The organizer hands it on: out of their calendar, into the other host's, one meeting.
    assert reassign(client, first.account, uid) == other.id
    settled(client)
    assert first.resources() == {}
    moved = other.resources()
    assert list(moved) == [f"{uid}.ics"]
    assert str(split(moved[f"{uid}.ics"])[0]["UID"]) == ics_uid
    assert organizer(moved[f"{uid}.ics"]) == f"mailto:{other.account.email}"
    assert expanded(moved[f"{uid}.ics"]) == [FIRST]

    # An admin hands it back.
    assert reassign(client, owner, uid, first.id) == first.id
    settled(client)
    assert other.resources() == {}
    assert list(first.resources()) == [f"{uid}.ics"]

    # Cancelled after the moves: it leaves the calendar of the host who has it now.
    r = client.post(f"/v2/bookings/{uid}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    settled(client)
    assert first.resources() == {}
    assert other.resources() == {}


def test_a_reassigned_occurrence_moves_within_the_series(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    owner, hosts, et = round_robin(client, make_account, caldav_server, recurrence=WEEKLY_4)
    occurrences = book_series(client, et)
    series = occurrences[0]["recurringBookingUid"]
    booked = starts(occurrences)
    (first_id,) = {o["hosts"][0]["id"] for o in occurrences}
    first = hosts[first_id]
    (other,) = (h for h in hosts.values() if h is not first)
    settled(client)
    assert expanded(first.resources()[f"{series}.ics"]) == booked
    uid = str(split(first.resources()[f"{series}.ics"])[0]["UID"])
    assert other.resources() == {}

    # The second occurrence to the other host: each host's copy of the series holds theirs.
    assert reassign(client, owner, occurrences[1]["uid"], other.id) == other.id
    settled(client)
    mine, theirs = first.resources(), other.resources()
    assert list(mine) == list(theirs) == [f"{series}.ics"]
    assert expanded(mine[f"{series}.ics"]) == [booked[0], booked[2], booked[3]]
    assert expanded(theirs[f"{series}.ics"]) == [booked[1]]
    assert {str(split(c[f"{series}.ics"])[0]["UID"]) for c in (mine, theirs)} == {uid}
    assert organizer(theirs[f"{series}.ics"]) == f"mailto:{other.account.email}"

    # Back again: the series whole in the first host's calendar, gone from the other's.
    assert reassign(client, other.account, occurrences[1]["uid"]) == first.id
    settled(client)
    assert expanded(first.resources()[f"{series}.ics"]) == booked
    assert other.resources() == {}


def test_a_host_without_a_calendar_hands_a_booking_to_one_with_a_calendar(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    """Nothing was written for the previous host (no calendar connected), so nothing is
    deleted; the new host's calendar gets the booking."""
    owner = make_account(time_zone="America/New_York")
    a = make_account(time_zone="America/New_York")
    b = make_account(time_zone="America/New_York")
    tid = team(client, owner, (a, "MEMBER"), (b, "MEMBER"))
    et = team_event_type(
        client, owner, tid, schedulingType="roundRobin", hosts=[{"userId": a.id}, {"userId": b.id}]
    )
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": z(FIRST), "eventTypeId": et, "attendee": ADA},
    )
    assert r.status_code == 201, r.text
    uid = r.json()["data"]["uid"]
    (other,) = (u for u in (a, b) if u.id != r.json()["data"]["hosts"][0]["id"])
    host = Host(client, other, caldav_server, "ben")

    assert reassign(client, owner, uid, other.id) == other.id
    assert settled(client) == [("put", uid)]
    assert expanded(host.resources()[f"{uid}.ics"]) == [FIRST]

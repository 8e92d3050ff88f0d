"""An occurrence of a recurring series told as one event is that event in every file a person
can take of it: the booking page's `event.ics` and the ICS of `/calendar-links` carry the
series' UID, rule, EXDATEs and overrides, as its emailed invite does, so importing a download
beside the invite keeps one series instead of adding the occurrence a second time. A single
booking's files stay the booking's one event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from starlette.testclient import TestClient

from tests.calendars.test_meeting_uid import downloaded, emailed, linked
from tests.calendars.test_series_writeback import (
    FIRST,
    NOW,
    WEEKLY_4,
    book_series,
    expanded,
    split,
    starts,
)
from tests.email.mailbox import Mailbox
from tests.support import outbound
from tests.support.clock import travel, z
from tests.webhooks.conftest import V_BOOKING, event_type

inbox = outbound.inbox
settings = outbound.settings


@pytest.fixture(autouse=True)
def _march_2027() -> Iterator[None]:
    with travel(NOW):
        yield


def links(client: TestClient, host: Any, uid: str) -> dict[str, str]:
    r = client.get(f"/v2/bookings/{uid}/calendar-links", headers={**host.headers, **V_BOOKING})
    assert r.status_code == 200, r.text
    return {item["id"]: item["link"] for item in r.json()["data"]}


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def test_an_occurrences_files_are_the_series_invite(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="America/New_York")
    et = event_type(client, host, recurrence=WEEKLY_4)
    occurrences = book_series(client, et)
    booked = starts(occurrences)
    (invite,) = inbox.wait_for("ada@example.com")
    (invited,) = emailed(invite).walk("VEVENT")
    series_uid = str(invited["UID"])

    for occurrence in occurrences:
        for cal in (downloaded(client, occurrence["uid"]), linked(client, host, occurrence["uid"])):
            master, overrides = split(cal)
            assert str(master["UID"]) == series_uid
            assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {series_uid}
            assert overrides == {}
            assert master["RRULE"]["COUNT"] == [4]
            assert master["DTSTART"].params["TZID"] == "America/New_York"
            assert int(master["SEQUENCE"]) == int(invited["SEQUENCE"])
            assert expanded(cal) == booked

    # Google's link repeats by the series' rule from the occurrence on, as Cal.com's; the
    # others are the occurrence.
    second = links(client, host, occurrences[1]["uid"])
    google = query(second["googleCalendar"])
    assert google["recur"] == ["RRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=3"]
    assert google["dates"] == [
        f"{booked[1]:%Y%m%dT%H%M%SZ}/{booked[1] + timedelta(minutes=30):%Y%m%dT%H%M%SZ}"
    ]
    assert query(second["microsoftOffice"])["startdt"] == [z(booked[1])]
    assert "recur" not in query(links(client, host, occurrences[0]["uid"])["microsoftOffice"])

    # One occurrence cancelled: its own file and its siblings' leave it out of the series.
    r = client.post(f"/v2/bookings/{occurrences[1]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    for uid in (occurrences[1]["uid"], occurrences[2]["uid"]):
        for cal in (downloaded(client, uid), linked(client, host, uid)):
            master, _ = split(cal)
            assert str(master["UID"]) == series_uid
            assert str(master["STATUS"]) == "CONFIRMED"
            assert expanded(cal) == [booked[0], booked[2], booked[3]]
            assert int(master["SEQUENCE"]) == 1

    # One moved: an override at the start the rule gave it, in every occurrence's file.
    later = booked[2] + timedelta(hours=2)
    r = client.post(
        f"/v2/bookings/{occurrences[2]['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": z(later)},
    )
    assert r.status_code == 201, r.text
    moved = r.json()["data"]["uid"]
    for uid in (occurrences[0]["uid"], occurrences[2]["uid"], moved):
        cal = downloaded(client, uid)
        assert list(split(cal)[1]) == [booked[2]]
        assert expanded(cal) == [booked[0], later, booked[3]]
    # The moved one's start is not on the rule: its Google link is the occurrence alone.
    assert "recur" not in query(links(client, host, moved)["googleCalendar"])

    # The whole series cancelled: its file is the series cancelled, under the same UID.
    r = client.post(
        f"/v2/bookings/{occurrences[0]['recurringBookingUid']}/cancel", headers=V_BOOKING, json={}
    )
    assert r.status_code == 200, r.text
    cal = downloaded(client, occurrences[3]["uid"])
    (master,) = cal.walk("VEVENT")
    assert str(master["UID"]) == series_uid
    assert str(master["STATUS"]) == "CANCELLED"
    assert "RRULE" in master


def test_a_single_bookings_files_are_its_own_event(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="America/New_York")
    et = event_type(client, host)
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={
            "start": z(FIRST),
            "eventTypeId": et,
            "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "UTC"},
        },
    )
    assert r.status_code == 201, r.text
    booking = r.json()["data"]
    for cal in (downloaded(client, booking["uid"]), linked(client, host, booking["uid"])):
        (event,) = cal.walk("VEVENT")
        assert str(event["UID"]) == booking["icsUid"]
        assert "RRULE" not in event
        assert "RECURRENCE-ID" not in event
        assert isinstance(cal, icalendar.Calendar)
    assert "recur" not in query(links(client, host, booking["uid"])["googleCalendar"])

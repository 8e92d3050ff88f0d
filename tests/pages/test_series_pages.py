"""A recurring series on the booking pages of its occurrences, as Cal.com's booking page: the
series listed in the guest's zone, and a cancel page that cancels this occurrence only or every
remaining one (`allRemainingBookings=true`), with plain form posts.

A New York host's weekly 10:00 from 8 March 2027, four times, booked by a guest in Berlin: the
US changes clocks on the 14th and Europe on the 28th, so the guest's time moves twice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from starlette.testclient import TestClient

from tests.pages.test_pages import CSRF
from tests.support.clock import at, travel, utc, z
from tests.webhooks.conftest import V_BOOKING, event_type

NOW = utc(2027, 3, 1, 12)
FIRST = at(date(2027, 3, 8), "10:00", "America/New_York")
BERLIN = "Europe/Berlin"
ADA = {"name": "Ada Lovelace", "email": "ada@example.com", "timeZone": BERLIN}
TIME = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>')
CHECKED = re.compile(r'name="allRemainingBookings" value="(true|false)" checked')


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with travel(NOW) as traveller:
        yield traveller


@pytest.fixture
def host(make_account: Any) -> Any:
    return make_account(time_zone="America/New_York", name="Nora York")


def book_series(
    client: TestClient, host: Any, count: int = 4, **fields: Any
) -> list[dict[str, Any]]:
    """A weekly series, as `POST /v2/bookings` books it: its occurrences."""
    et = event_type(
        client,
        host,
        recurrence={"frequency": "weekly", "interval": 1, "occurrences": count},
        **fields,
    )
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": z(FIRST), "eventTypeId": et, "attendee": ADA},
    )
    assert r.status_code == 201, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def statuses(client: TestClient, host: Any, series_uid: str) -> list[str]:
    """Each occurrence's status, in start order, as `GET /v2/bookings/{series uid}` says."""
    r = client.get(f"/v2/bookings/{series_uid}", headers={**host.headers, **V_BOOKING})
    assert r.status_code == 200, r.text
    return [b["status"] for b in r.json()["data"]]


def listed(page: str) -> list[str]:
    """The occurrences the page's series section lists, as the guest reads them."""
    section = page.split('<section class="series"', 1)[1].split("</section>", 1)[0]
    return [when for _, when in TIME.findall(section)]


def form_fields(page: str, **changed: str) -> dict[str, str]:
    """What a browser posts from the cancel form as shown: its token and the checked choice."""
    token = CSRF.search(page)
    assert token is not None, page
    fields = {"csrf_token": token.group(1)}
    checked = CHECKED.search(page)
    if checked:
        fields["allRemainingBookings"] = checked.group(1)
    return {**fields, **changed}


def test_an_occurrence_lists_its_series_in_the_guests_zone(client: TestClient, host: Any) -> None:
    occurrences = book_series(client, host)
    second = occurrences[1]["uid"]

    page = client.get(f"/booking/{second}")
    assert page.status_code == 200, page.text
    assert "The recurring events are scheduled" in page.text
    assert '<h2 id="series-rule">Every week for 4 occurrences</h2>' in page.text
    # The host's 10:00 every Monday, on the guest's clock: 16:00 in Berlin, 15:00 between the
    # US change (14 March) and Europe's (28 March).
    assert listed(page.text) == [
        "Monday, March 8, 2027, 4:00pm to 4:30pm (Europe/Berlin)",
        "Monday, March 15, 2027, 3:00pm to 3:30pm (Europe/Berlin)",
        "Monday, March 22, 2027, 3:00pm to 3:30pm (Europe/Berlin)",
        "Monday, March 29, 2027, 4:00pm to 4:30pm (Europe/Berlin)",
    ]
    assert 'aria-current="true"' in page.text
    # Each other occurrence is a link to its own page (its own reschedule and cancel).
    for other in (occurrences[0], occurrences[2], occurrences[3]):
        assert f'href="/booking/{other["uid"]}?tz=Europe%2FBerlin' in page.text
    assert f'href="/booking/{second}/reschedule?' in page.text
    assert f'href="/booking/{second}/cancel?' in page.text

    # Another zone and clock through the link: the host's own 10:00 each week.
    in_new_york = client.get(f"/booking/{second}", params={"tz": "America/New_York", "hour": 24})
    assert [when.split(", ")[-1] for when in listed(in_new_york.text)] == [
        "10:00 to 10:30 (America/New_York)"
    ] * 4

    # A cancelled occurrence stays listed, marked.
    r = client.post(f"/v2/bookings/{occurrences[2]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    page = client.get(f"/booking/{second}")
    assert re.search(
        r'<li class="ended">\s*<a href="/booking/'
        + occurrences[2]["uid"]
        + r'[^"]*"><time[^>]*>Monday, March 22, 2027[^<]*</time></a>\s*'
        r'<span class="state">Cancelled</span>',
        page.text,
    ), page.text

    # A moved occurrence is listed at its new time, in the old one's place.
    moved = client.post(
        f"/v2/bookings/{occurrences[3]['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": z(at(date(2027, 3, 29), "12:00", "America/New_York"))},
    )
    assert moved.status_code == 201, moved.text
    whens = listed(client.get(f"/booking/{second}").text)
    assert len(whens) == 4
    assert whens[3] == "Monday, March 29, 2027, 6:00pm to 6:30pm (Europe/Berlin)"


def test_a_requested_series_and_all_of_it_cancelled(client: TestClient, host: Any) -> None:
    occurrences = book_series(client, host, confirmationPolicy={"type": "always"})
    series_uid = occurrences[0]["recurringBookingUid"]
    page = client.get(f"/booking/{occurrences[0]['uid']}")
    assert "Booking requested" in page.text
    assert page.text.count('<span class="state">Awaiting confirmation</span>') == 4

    url = f"/booking/{occurrences[0]['uid']}/cancel?allRemainingBookings=true"
    form = client.get(url)
    done = client.post(url, data=form_fields(form.text), follow_redirects=False)
    assert done.status_code == 303, done.text
    assert statuses(client, host, series_uid) == ["cancelled"] * 4


def test_cancel_this_occurrence_only(client: TestClient, host: Any) -> None:
    occurrences = book_series(client, host)
    second = occurrences[1]["uid"]
    series_uid = occurrences[0]["recurringBookingUid"]

    form = client.get(f"/booking/{second}/cancel")
    assert form.status_code == 200, form.text
    assert "What to cancel" in form.text
    assert "All remaining occurrences of the series (4)" in form.text
    # Without allRemainingBookings=true the occurrence alone is chosen.
    assert form_fields(form.text)["allRemainingBookings"] == "false"

    done = client.post(
        f"/booking/{second}/cancel?tz={BERLIN}",
        data=form_fields(form.text, reason="Away that week"),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith(f"/booking/{second}?")
    assert statuses(client, host, series_uid) == ["accepted", "cancelled", "accepted", "accepted"]
    shown = client.get(done.headers["location"])
    assert "This booking is cancelled" in shown.text
    assert "Away that week" in shown.text
    # The rest of the series can still go from here.
    rest = f"/booking/{second}/cancel?tz=Europe%2FBerlin&amp;hour=12&amp;allRemainingBookings=true"
    assert f'href="{rest}">Cancel all remaining</a>' in shown.text


def test_cancel_all_remaining_leaves_what_has_begun(
    client: TestClient, host: Any, clock: time_machine.Traveller
) -> None:
    occurrences = book_series(client, host)
    series_uid = occurrences[0]["recurringBookingUid"]
    first, third = occurrences[0]["uid"], occurrences[2]["uid"]
    r = client.post(f"/v2/bookings/{third}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    # The first occurrence under way: it stays; what remains is the second and the fourth.
    clock.shift(FIRST + timedelta(minutes=10) - NOW)

    url = f"/booking/{first}/cancel?allRemainingBookings=true"
    form = client.get(url)
    assert form.status_code == 200, form.text
    assert form_fields(form.text)["allRemainingBookings"] == "true"
    assert "All remaining occurrences of the series (2)" in form.text
    assert [when for _, when in TIME.findall(form.text)] == [
        "Monday, March 15, 2027, 3:00pm to 3:30pm (Europe/Berlin)",
        "Monday, March 29, 2027, 4:00pm to 4:30pm (Europe/Berlin)",
    ]

    done = client.post(
        url, data=form_fields(form.text, reason="Project over"), follow_redirects=False
    )
    assert done.status_code == 303, done.text
    # On to the first occurrence cancelled, which lists the series as it now stands.
    assert done.headers["location"].startswith(f"/booking/{occurrences[1]['uid']}?")
    assert statuses(client, host, series_uid) == [
        "accepted",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    r = client.get(f"/v2/bookings/{occurrences[3]['uid']}", headers={**host.headers, **V_BOOKING})
    assert r.json()["data"]["cancellationReason"] == "Project over"
    shown = client.get(done.headers["location"])
    assert "This booking is cancelled" in shown.text
    assert shown.text.count('<span class="state">Cancelled</span>') == 3

    # Nothing is left: the same link is refused, plainly.
    again = client.get(url)
    assert again.status_code == 400
    assert "none is left to cancel" in again.text
    assert "Traceback" not in again.text
    token = CSRF.search(client.get(f"/booking/{first}/cancel").text)
    assert token is not None
    late = client.post(url, data={"csrf_token": token.group(1), "allRemainingBookings": "true"})
    assert late.status_code == 400
    assert "none is left to cancel" in late.text
    assert "series_ended" in late.text
    assert statuses(client, host, series_uid)[0] == "accepted"


def test_the_choice_without_a_form_field_and_bad_links(
    client: TestClient, host: Any, make_account: Any
) -> None:
    occurrences = book_series(client, host)
    series_uid = occurrences[0]["recurringBookingUid"]
    form = client.get(f"/booking/{occurrences[0]['uid']}/cancel")
    token = CSRF.search(form.text)
    assert token is not None

    # A post without the form's choice goes by the URL's, as Cal.com's body field does.
    done = client.post(
        f"/booking/{occurrences[0]['uid']}/cancel?allRemainingBookings=true",
        data={"csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert set(statuses(client, host, series_uid)) == {"cancelled"}

    # Without the CSRF token nothing is cancelled; an unknown uid is a 404 page.
    other = book_series(client, host, slug="again")
    refused = client.post(
        f"/booking/{other[0]['uid']}/cancel", data={"allRemainingBookings": "true"}
    )
    assert refused.status_code == 400
    assert "expired" in refused.text
    assert set(statuses(client, host, other[0]["recurringBookingUid"])) == {"accepted"}
    missing = client.get("/booking/no-such-booking/cancel?allRemainingBookings=true")
    assert missing.status_code == 404
    assert "Traceback" not in missing.text

    # A seated booking is never a series: without its seat's link it is refused as before.
    seated = event_type(client, host, slug="class", seats={"seatsPerTimeSlot": 3})
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": z(FIRST + timedelta(hours=2)), "eventTypeId": seated, "attendee": ADA},
    )
    assert r.status_code == 201, r.text
    uid = r.json()["data"]["uid"]
    page = client.get(f"/booking/{uid}/cancel?allRemainingBookings=true")
    assert page.status_code == 400
    assert "link sent when it was booked" in page.text


def test_a_long_series_keeps_the_rest_behind_more(client: TestClient, host: Any) -> None:
    occurrences = book_series(client, host, count=6)
    first = client.get(f"/booking/{occurrences[0]['uid']}").text
    assert "Every week for 6 occurrences" in first
    assert "<details><summary>+ 2 more</summary>" in first
    assert len(listed(first)) == 6
    # Opened when it holds the page's own occurrence.
    last = client.get(f"/booking/{occurrences[5]['uid']}").text
    assert "<details open><summary>+ 2 more</summary>" in last


def google_link(page: str) -> dict[str, list[str]]:
    """The query of the page's "Google Calendar" link."""
    found = re.search(r'href="(https://calendar\.google\.com/calendar/r/eventedit\?[^"]+)"', page)
    assert found is not None, page
    return parse_qs(urlsplit(html.unescape(found.group(1))).query)


def test_an_occurrences_google_link_repeats_to_the_end_of_the_series(
    client: TestClient, host: Any
) -> None:
    occurrences = book_series(client, host)
    # The second of four: Google adds it and the two after it, as the API's link does.
    second = google_link(client.get(f"/booking/{occurrences[1]['uid']}").text)
    assert second["recur"] == ["RRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=3"]
    assert second["dates"] == ["20270315T140000Z/20270315T143000Z"]
    api = client.get(
        f"/v2/bookings/{occurrences[1]['uid']}/calendar-links",
        headers={**host.headers, **V_BOOKING},
    )
    assert api.status_code == 200, api.text
    google = next(link["link"] for link in api.json()["data"] if link["id"] == "googleCalendar")
    assert parse_qs(urlsplit(google).query)["recur"] == second["recur"]
    # A moved occurrence is one event: the rule does not step from its new start.
    moved = client.post(
        f"/v2/bookings/{occurrences[3]['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": z(at(date(2027, 3, 29), "12:00", "America/New_York"))},
    )
    assert moved.status_code == 201, moved.text
    assert "recur" not in google_link(client.get(f"/booking/{moved.json()['data']['uid']}").text)

"""The public booking pages over HTTP, without JavaScript: what a guest's browser gets.

A New York host, a guest in Europe/Paris, March 2027: the US changes clocks on the 14th and
Europe on the 28th, so the offset between them moves within the month.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.test_slots import V_BOOKINGS, V_EVENT_TYPES, V_SLOTS

PARIS = "Europe/Paris"
MONTH = "2027-03"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SLOT = re.compile(r'<a class="slot" href="([^"]+)"><time datetime="([^"]+)">')


def _event_type(client: TestClient, acct: Any, **fields: Any) -> dict[str, Any]:
    body = {"title": "Intro call", "slug": "intro", "lengthInMinutes": 30, **fields}
    r = client.post("/v2/event-types", headers={**acct.headers, **V_EVENT_TYPES}, json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def _api_slots(client: TestClient, et_id: int, start: str, end: str, tz: str) -> dict[str, Any]:
    r = client.get(
        "/v2/slots",
        headers=V_SLOTS,
        params={"eventTypeId": et_id, "start": start, "end": end, "timeZone": tz},
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def host(make_account: Any) -> Any:
    return make_account(time_zone="America/New_York", name="Nora York")


def test_profile_lists_visible_event_types_only(client: TestClient, host: Any) -> None:
    _event_type(client, host)
    _event_type(client, host, title="Secret", slug="secret", hidden=True)
    page = client.get(f"/{host.username}")
    assert page.status_code == 200
    assert "Nora York" in page.text
    assert "Intro call" in page.text
    assert "30 min" in page.text
    assert "Secret" not in page.text
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert client.get("/nobody-here").status_code == 404


def test_picker_times_equal_the_slots_api(client: TestClient, host: Any) -> None:
    et = _event_type(client, host)
    path = _path(et["bookingUrl"])
    assert path == f"/{host.username}/intro"
    api = _api_slots(client, et["id"], f"{MONTH}-01", f"{MONTH}-31", PARIS)
    page = client.get(path, params={"month": MONTH, "tz": PARIS, "hour": "24"})
    assert page.status_code == 200, page.text
    free_days = set(re.findall(r'data-day="([\d-]+)"', page.text))
    assert free_days == set(api)
    # Each side of both clock changes: Paris is 6 hours ahead, then 5, then 6 again.
    for day in ("2027-03-08", "2027-03-15", "2027-03-29"):
        shown = client.get(path, params={"date": day, "tz": PARIS, "hour": "24"})
        assert [iso for _, iso in SLOT.findall(shown.text)] == [s["start"] for s in api[day]]
    march_15 = client.get(path, params={"date": "2027-03-15", "tz": PARIS, "hour": "24"}).text
    assert ">14:00</time>" in march_15  # 09:00 in New York, after the US change
    march_8 = client.get(path, params={"date": "2027-03-08", "tz": PARIS, "hour": "12"}).text
    assert ">3:00pm</time>" in march_8  # 09:00 in New York, both on winter time


def test_reserved_names_stay_with_the_api(client: TestClient, make_account: Any) -> None:
    for name in ("v2", "docs", "health", "booking"):
        assert client.get(f"/{name}/nothing-here").status_code == 404
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/v2/slots/nothing").headers["content-type"].startswith("application/json")


def test_book_reschedule_cancel_with_plain_form_posts(client: TestClient, host: Any) -> None:
    et = _event_type(client, host)
    path = _path(et["bookingUrl"])
    day = client.get(path, params={"date": "2027-03-15", "tz": PARIS, "hour": "24"})
    links = SLOT.findall(day.text)
    form = client.get(links[0][0].replace("&amp;", "&"))
    assert form.status_code == 200
    token = CSRF.search(form.text)
    assert token is not None
    start = re.search(r'name="start" value="([^"]+)"', form.text)
    assert start is not None
    fields = {"start": start.group(1), "name": "Gael Paris", "email": "gael@example.com"}

    # Without the CSRF token nothing is booked.
    refused = client.post(f"{path}/book?tz={PARIS}", data=fields)
    assert refused.status_code == 400
    assert "expired" in refused.text

    booked = client.post(
        f"{path}/book?tz={PARIS}",
        data={**fields, "csrf_token": token.group(1), "notes": "Bonjour"},
        follow_redirects=False,
    )
    assert booked.status_code == 303, booked.text
    confirmation_url = booked.headers["location"]
    uid = confirmation_url.split("/booking/")[1].split("?")[0]
    api = client.get(f"/v2/bookings/{uid}", headers={**host.headers, **V_BOOKINGS}).json()["data"]
    assert api["status"] == "accepted"
    assert api["start"] == "2027-03-15T13:00:00.000Z"
    assert api["attendees"][0]["timeZone"] == PARIS
    shown = client.get(confirmation_url)
    assert "This meeting is scheduled" in shown.text
    assert "Monday, March 15, 2027, 2:00pm to 2:30pm (Europe/Paris)" in shown.text
    assert "9:00am to 9:30am (America/New_York)" in shown.text
    # Add-to-calendar links: the API's builder, its ICS link the page's own download.
    assert "https://calendar.google.com/calendar/r/eventedit?" in shown.text
    assert "https://calendar.yahoo.com/?v=60" in shown.text
    assert f'href="/booking/{uid}/event.ics"' in shown.text
    ics = client.get(f"/booking/{uid}/event.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "DTSTART:20270315T130000Z" in ics.text
    assert "METHOD:PUBLISH" in ics.text
    assert "gael@example.com" not in ics.text  # whoever holds the link sees no attendees

    # The same time again: the reason and nearby free times, no stack trace.
    again = client.post(
        f"{path}/book?tz={PARIS}",
        data={**fields, "email": "other@example.com", "csrf_token": token.group(1)},
    )
    assert again.status_code == 400
    assert "not available" in again.text
    assert "slot_unavailable" in again.text
    assert "Free times nearby" in again.text
    assert "Traceback" not in again.text

    # Reschedule: back to the picker, pick a time, confirm.
    picker = client.get(f"/booking/{uid}/reschedule?tz={PARIS}", follow_redirects=False)
    assert picker.status_code == 303
    assert f"rescheduleUid={uid}" in picker.headers["location"]
    day = client.get(picker.headers["location"] + "&date=2027-03-29")
    new_link = SLOT.findall(day.text)[1][0].replace("&amp;", "&")
    confirm = client.get(new_link)
    moved = client.post(
        f"/booking/{uid}/reschedule?tz={PARIS}",
        data={
            "start": re.search(r'name="start" value="([^"]+)"', confirm.text).group(1),  # type: ignore[union-attr]
            "csrf_token": CSRF.search(confirm.text).group(1),  # type: ignore[union-attr]
            "reason": "Clash",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    new_uid = moved.headers["location"].split("/booking/")[1].split("?")[0]
    new = client.get(f"/v2/bookings/{new_uid}", headers={**host.headers, **V_BOOKINGS}).json()
    assert new["data"]["start"] == "2027-03-29T13:30:00.000Z"
    old = client.get(f"/booking/{uid}?tz={PARIS}")
    assert "This booking is cancelled" in old.text
    assert f"/booking/{new_uid}" in old.text

    # Cancel with a reason.
    cancel_form = client.get(f"/booking/{new_uid}/cancel?tz={PARIS}")
    cancelled = client.post(
        f"/booking/{new_uid}/cancel?tz={PARIS}",
        data={"csrf_token": CSRF.search(cancel_form.text).group(1), "reason": "Ill"},  # type: ignore[union-attr]
        follow_redirects=False,
    )
    assert cancelled.status_code == 303
    api = client.get(f"/v2/bookings/{new_uid}", headers={**host.headers, **V_BOOKINGS}).json()
    assert api["data"]["status"] == "cancelled"
    final = client.get(cancelled.headers["location"])
    assert "This booking is cancelled" in final.text
    assert "Ill" in final.text
    assert "Reschedule" not in final.text


def test_requested_booking_and_embed(client: TestClient, host: Any) -> None:
    et = _event_type(client, host, confirmationPolicy={"type": "always"}, slug="needs-ok")
    path = _path(et["bookingUrl"])
    embedded = client.get(path, params={"date": "2027-03-15", "tz": PARIS, "embed": "1"})
    assert "Powered by calgate" not in embedded.text
    assert "embed=1" in embedded.text
    link = SLOT.findall(embedded.text)[0][0].replace("&amp;", "&")
    form = client.get(link)
    start = re.search(r'name="start" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    missing = client.post(
        f"{path}/book?tz={PARIS}",
        data={"start": start, "csrf_token": CSRF.search(form.text).group(1)},  # type: ignore[union-attr]
    )
    assert missing.status_code == 400
    assert "Your name is required" in missing.text
    booked = client.post(
        f"{path}/book?tz={PARIS}&embed=1",
        data={
            "start": start,
            "name": "Gael",
            "email": "gael@example.com",
            "csrf_token": CSRF.search(form.text).group(1),  # type: ignore[union-attr]
        },
    )
    assert booked.status_code == 200, booked.text
    assert "Booking requested" in booked.text
    assert "Powered by calgate" not in booked.text


def test_static_assets_are_served(client: TestClient) -> None:
    css = client.get("/_calgate/static/pages.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
    assert client.get("/_calgate/static/pages.js").status_code == 200


def test_month_bounds_cover_local_days() -> None:
    from calgate.pages import month

    lo, hi = month.bounds(date(2027, 3, 1), PARIS)
    assert (lo.isoformat(), hi.isoformat()) == (
        "2027-02-28T23:00:00+00:00",
        "2027-03-31T22:00:00+00:00",
    )


def test_frame_ancestors_follow_the_hosts_allow_list(client: TestClient, host: Any) -> None:
    et = _event_type(client, host)
    path = _path(et["bookingUrl"])
    csp = client.get(path).headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp
    assert "frame-ancestors 'self';" in csp + ";"
    bad = client.patch(
        "/v2/me", headers=host.headers, json={"embedOrigins": ["https://x.com; script-src *"]}
    )
    assert bad.status_code == 400
    saved = client.patch(
        "/v2/me", headers=host.headers, json={"embedOrigins": ["https://Blog.example.com/"]}
    )
    assert saved.status_code == 200, saved.text
    for page in (path, f"/{host.username}"):
        csp = client.get(page).headers["content-security-policy"]
        assert csp.endswith("frame-ancestors 'self' https://blog.example.com")
    cleared = client.patch("/v2/me", headers=host.headers, json={"embedOrigins": None})
    assert cleared.status_code == 200
    assert client.get(path).headers["content-security-policy"].endswith("frame-ancestors 'self'")


def _book_first(client: TestClient, path: str, day: str, name: str, email: str) -> str:
    """Book the day's first time through the form; the confirmation URL."""
    picker = client.get(path, params={"date": day, "tz": PARIS})
    form = client.get(SLOT.findall(picker.text)[0][0].replace("&amp;", "&"))
    start = re.search(r'name="start" value="([^"]+)"', form.text)
    token = CSRF.search(form.text)
    assert start is not None
    assert token is not None
    r = client.post(
        f"{path}/book?tz={PARIS}",
        data={"start": start.group(1), "csrf_token": token.group(1), "name": name, "email": email},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def test_seated_booking_shows_and_cancels_only_the_visitors_seat(
    client: TestClient, host: Any
) -> None:
    et = _event_type(client, host, slug="class", seats={"seatsPerTimeSlot": 3})
    path = _path(et["bookingUrl"])
    first = _book_first(client, path, "2027-03-15", "Ann One", "ann@example.com")
    second = _book_first(client, path, "2027-03-15", "Bob Two", "bob@example.com")
    uid = first.split("/booking/")[1].split("?")[0]
    assert second.split("/booking/")[1].split("?")[0] == uid  # one booking, two seats
    assert "seat=" in second

    mine = client.get(second)
    assert "ann@example.com" not in mine.text
    assert "Ann One" not in mine.text
    # Without a seat, the shared uid changes nothing.
    bare = client.get(f"/booking/{uid}")
    assert f"/booking/{uid}/cancel" not in bare.text
    assert client.get(f"/booking/{uid}/cancel").status_code == 400
    assert client.get(f"/booking/{uid}/reschedule?{second.split('?')[1]}").status_code == 400

    cancel_url = second.replace(f"/booking/{uid}?", f"/booking/{uid}/cancel?")
    form = client.get(cancel_url)
    token = CSRF.search(form.text)
    assert token is not None
    done = client.post(cancel_url, data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert done.status_code == 303, done.text
    api = client.get(f"/v2/bookings/{uid}", headers={**host.headers, **V_BOOKINGS}).json()["data"]
    assert api["status"] == "accepted"
    assert [a["email"] for a in api["attendees"]] == ["ann@example.com"]


def test_bad_start_is_a_page_not_a_stack_trace(client: TestClient, host: Any) -> None:
    et = _event_type(client, host)
    r = client.get(_path(et["bookingUrl"]) + "/book", params={"start": "not-a-time"})
    assert r.status_code == 400
    assert "start must be an ISO 8601 date-time" in r.text
    assert "Traceback" not in r.text


def test_duration_choice_changes_the_times_and_the_booking(client: TestClient, host: Any) -> None:
    et = _event_type(client, host, slug="flex", lengthInMinutesOptions=[30, 60])
    path = _path(et["bookingUrl"])
    page = client.get(path, params={"date": "2027-03-15", "tz": PARIS, "duration": "60"})
    assert '<option value="60" selected>60 min</option>' in page.text
    api = _api_slots(client, et["id"], "2027-03-15", "2027-03-15", PARIS)
    r = client.get(
        "/v2/slots",
        headers=V_SLOTS,
        params={
            "eventTypeId": et["id"],
            "start": "2027-03-15",
            "end": "2027-03-15",
            "timeZone": PARIS,
            "duration": 60,
        },
    )
    hour_long = [s["start"] for s in r.json()["data"]["2027-03-15"]]
    assert [iso for _, iso in SLOT.findall(page.text)] == hour_long
    assert len(hour_long) < len(api["2027-03-15"])
    link = SLOT.findall(page.text)[0][0].replace("&amp;", "&")
    assert "duration=60" in link
    form = client.get(link)
    assert "2:00pm to 3:00pm" in form.text

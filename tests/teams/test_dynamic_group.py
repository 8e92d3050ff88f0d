"""Dynamic groups (``usernames=a,b``): Cal.com's default dynamic event, collective across the
named users, in GET /v2/slots, GET /v2/slots/explain and GET /v2/event-types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from tests.teams.test_team_event_types import (
    V_ET,
    V_SLOTS,
    _book,
    _dst_sunday,
    _oracle,
    _slots_of,
    z,
)


def _personal(client: TestClient, who: Any, slug: str, length: int) -> int:
    r = client.post(
        "/v2/event-types",
        headers={**who.headers, **V_ET},
        json={"title": slug, "slug": slug, "lengthInMinutes": length, "minimumBookingNotice": 0},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def test_dynamic_group_slots_are_collective_over_dst_week(
    client: TestClient, make_account: Any
) -> None:
    ny, london = make_account(time_zone="America/New_York"), make_account(time_zone="Europe/London")
    sunday = _dst_sunday()
    lo = datetime.combine(sunday - timedelta(days=4), datetime.min.time(), UTC)
    hi = datetime.combine(sunday + timedelta(days=4), datetime.min.time(), UTC)
    busy_start = datetime.combine(sunday + timedelta(days=1), datetime.min.time(), UTC)
    busy_start += timedelta(hours=14)
    assert _book(client, _personal(client, london, "one", 60), busy_start).status_code == 201
    want = _oracle(
        lo,
        hi,
        [
            ("America/New_York", []),
            ("Europe/London", [(busy_start, busy_start + timedelta(hours=1))]),
        ],
        "collective",
    )
    assert want
    params = {"usernames": f"{ny.username},{london.username}"}
    assert _slots_of(client, params, lo, hi) == want
    # The first user's event type named by slug gives the length (the others' hours still count).
    _personal(client, ny, "quick", 30)
    got = _slots_of(client, {**params, "eventTypeSlug": "quick"}, lo, hi)
    assert got == want
    # Explain names the group's blocker: London's booking, shown only as "busy" to strangers.
    r = client.get(
        "/v2/slots/explain",
        params={**params, "start": z(busy_start), "timeZone": "UTC"},
        headers=V_SLOTS,
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["bookable"] is False
    assert {x["hostId"] for x in data["reasons"] if x["blocking"]} == {london.id}
    assert "bookingUid" not in data["reasons"][0]


def test_dynamic_group_refusals(client: TestClient, make_account: Any) -> None:
    a = make_account()
    now = datetime.now(UTC)
    params = {"start": z(now), "end": z(now + timedelta(days=1)), "timeZone": "UTC"}
    one = client.get("/v2/slots", params={**params, "usernames": a.username}, headers=V_SLOTS)
    assert one.status_code == 400
    assert "at least 2" in one.json()["error"]["message"]
    missing = client.get(
        "/v2/slots", params={**params, "usernames": f"{a.username},nobody-here"}, headers=V_SLOTS
    )
    assert missing.status_code == 404
    r = client.get("/v2/event-types", params={"usernames": f"{a.username},nobody-here"})
    assert r.status_code == 404


def test_event_types_by_usernames_is_the_dynamic_event(
    client: TestClient, make_account: Any
) -> None:
    a, b = make_account(), make_account()
    r = client.get(
        "/v2/event-types", params={"usernames": f"{a.username},{b.username}"}, headers=V_ET
    )
    assert r.status_code == 200, r.text
    [et] = r.json()["data"]
    assert et["id"] == 0
    assert et["ownerId"] == 0
    assert et["slug"] == "dynamic"
    assert et["title"] == "Group Meeting"
    assert et["lengthInMinutes"] == 30
    assert et["minimumBookingNotice"] == 120
    assert et["lengthInMinutesOptions"] == [15, 30, 45, 60, 90]
    assert [u["id"] for u in et["users"]] == [a.id, b.id]
    assert et["bookingUrl"].endswith(f"/{a.username}+{b.username}/dynamic")

"""Event-type private links: the owner manages them, a guest books through one, and a link
stops working once expired by date or used up, even when guests race for its last use."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from starlette.testclient import TestClient

from tests.api.test_bookings import V_BOOKINGS, create, make_event_type, monday
from tests.api.test_calcom_document import response_schema, validate
from tests.support.api import assert_error, assert_ok
from tests.support.clock import at, z

NY = "America/New_York"
LINKS = "/v2/event-types/{eventTypeId}/private-links"
LINK = "/v2/event-types/{eventTypeId}/private-links/{linkId}"


def _links(et_id: int) -> str:
    return f"/v2/event-types/{et_id}/private-links"


def _make_link(client: TestClient, acct: Any, et_id: int, **body: Any) -> dict[str, Any]:
    r = client.post(_links(et_id), headers=acct.headers, json=body)
    data: dict[str, Any] = assert_ok(r, 201)
    validate(r.json(), response_schema(LINKS, "post", "201"))
    return data


def _book(client: TestClient, et_id: int, start: datetime, link: str | None, **kw: Any) -> Any:
    extra = {"hashedLink": link} if link else {}
    return create(client, et_id, start, **extra, **kw)


def test_usage_link_lifecycle_and_shapes(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="America/New_York")
    et = make_event_type(client, host, hidden=True)
    link = _make_link(client, host, et)
    # Neither expiry nor count given: good for one booking (the document's default).
    assert link["maxUsageCount"] == 1
    assert link["usageCount"] == 0
    assert link["isExpired"] is False
    assert "expiresAt" not in link
    slug = client.get(f"/v2/event-types/{et}", headers=host.headers).json()["data"]["slug"]
    assert link["bookingUrl"].endswith(f"/d/{link['linkId']}/{slug}")
    assert len(link["linkId"]) >= 20

    listed = client.get(_links(et), headers=host.headers)
    assert [x["linkId"] for x in assert_ok(listed)] == [link["linkId"]]
    validate(listed.json(), response_schema(LINKS, "get", "200"))

    patched = client.patch(
        f"{_links(et)}/{link['linkId']}", headers=host.headers, json={"maxUsageCount": 2}
    )
    assert assert_ok(patched)["maxUsageCount"] == 2
    validate(patched.json(), response_schema(LINK, "patch", "200"))

    day = monday()
    booked = _book(client, et, at(day, "10:00", NY), link["linkId"])
    assert booked.status_code == 201, booked.text
    _book(client, et, at(day, "11:00", NY), link["linkId"], email="two@example.com")
    after = assert_ok(client.get(_links(et), headers=host.headers))[0]
    assert (after["usageCount"], after["isExpired"]) == (2, True)

    used_up = _book(client, et, at(day, "12:00", NY), link["linkId"], email="three@example.com")
    assert_error(used_up, 410, "GoneException", "private_link_used_up")
    # The refused booking wrote nothing.
    assert assert_ok(client.get(_links(et), headers=host.headers))[0]["usageCount"] == 2

    # The count can't be set below what was already spent.
    below = client.patch(
        f"{_links(et)}/{link['linkId']}", headers=host.headers, json={"maxUsageCount": 1}
    )
    assert_error(below, 400)

    deleted = client.delete(f"{_links(et)}/{link['linkId']}", headers=host.headers)
    assert assert_ok(deleted) == {
        "linkId": link["linkId"],
        "message": "Private link deleted successfully",
    }
    validate(deleted.json(), response_schema(LINK, "delete", "200"))
    assert assert_ok(client.get(_links(et), headers=host.headers)) == []
    gone = _book(client, et, at(day, "13:00", NY), link["linkId"], email="four@example.com")
    assert_error(gone, 404)


def test_time_link_expires_by_date(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="America/New_York")
    et = make_event_type(client, host)
    soon = datetime.now(UTC) + timedelta(days=1)
    link = _make_link(client, host, et, expiresAt=z(soon))
    assert link["expiresAt"] == soon.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert "usageCount" not in link
    assert link["isExpired"] is False
    day = monday()
    # A time-based link is good for any number of bookings until its date.
    for hour, email in ((10, "a@example.com"), (11, "b@example.com")):
        r = _book(client, et, at(day, f"{hour}:00", NY), link["linkId"], email=email)
        assert r.status_code == 201, r.text

    past = datetime.now(UTC) - timedelta(minutes=1)
    patched = client.patch(
        f"{_links(et)}/{link['linkId']}", headers=host.headers, json={"expiresAt": z(past)}
    )
    assert assert_ok(patched)["isExpired"] is True
    expired = _book(client, et, at(day, "12:00", NY), link["linkId"], email="c@example.com")
    body = assert_error(expired, 410, "GoneException", "private_link_expired")
    assert body["error"]["message"] == "Link has expired"


def test_only_the_owner_manages_links(client: TestClient, make_account: Any) -> None:
    host, other = make_account(), make_account()
    et = make_event_type(client, host)
    link = _make_link(client, host, et)
    assert_error(client.get(_links(et), headers=other.headers), 404)
    assert_error(client.post(_links(et), headers=other.headers, json={}), 404)
    path = f"{_links(et)}/{link['linkId']}"
    assert_error(client.patch(path, headers=other.headers, json={"maxUsageCount": 5}), 404)
    assert_error(client.delete(path, headers=other.headers), 404)
    assert_error(client.get(_links(et)), 401)
    assert len(assert_ok(client.get(_links(et), headers=host.headers))) == 1


def test_bad_link_input_is_a_400(client: TestClient, make_account: Any) -> None:
    host = make_account()
    et = make_event_type(client, host)
    for body in (
        {"maxUsageCount": 0},
        {"maxUsageCount": "many"},
        {"expiresAt": "tomorrow"},
        {"expiresAt": z(datetime.now(UTC)), "maxUsageCount": 3},
        {"unknown": 1},
    ):
        assert_error(client.post(_links(et), headers=host.headers, json=body), 400)
    link = _make_link(client, host, et, maxUsageCount=3)
    path = f"{_links(et)}/{link['linkId']}"
    assert_error(client.patch(path, headers=host.headers, json={}), 400)
    assert_error(client.patch(f"{_links(et)}/nope", headers=host.headers, json={}), 400)
    missing = client.patch(f"{_links(et)}/nope", headers=host.headers, json={"maxUsageCount": 2})
    assert_error(missing, 404)


def test_link_of_another_event_type_is_refused(client: TestClient, make_account: Any) -> None:
    host = make_account()
    et, other_et = make_event_type(client, host), make_event_type(client, host)
    link = _make_link(client, host, et, maxUsageCount=5)
    assert_error(_book(client, other_et, at(monday(), "10:00", NY), link["linkId"]), 404)
    assert_error(_book(client, et, at(monday(), "10:00", NY), "not-a-link"), 404)


def test_hidden_event_type_books_and_has_slots(client: TestClient, make_account: Any) -> None:
    """Hidden keeps an event type off the profile only: its slots and bookings work, with a
    link (legacy body too) or without, as on Cal.com."""
    host = make_account()
    et = make_event_type(client, host, hidden=True)
    link = _make_link(client, host, et, maxUsageCount=5)
    day = monday()
    r = client.get(
        "/v2/slots",
        headers={"cal-api-version": "2024-09-04"},
        params={"eventTypeId": et, "start": day.isoformat(), "end": day.isoformat()},
    )
    assert assert_ok(r)[day.isoformat()]
    legacy = client.post(
        "/v2/bookings",
        json={
            "eventTypeId": et,
            "start": z(at(day, "10:00", NY)),
            "timeZone": "America/New_York",
            "language": "en",
            "responses": {"name": "Guest Name", "email": "guest@example.com"},
            "metadata": {},
            "hashedLink": link["linkId"],
            "hasHashedBookingLink": True,
        },
    )
    assert legacy.status_code == 201, legacy.text
    assert _book(client, et, at(day, "11:00", NY), None).status_code == 201
    used = assert_ok(client.get(_links(et), headers=host.headers))[0]["usageCount"]
    assert used == 1


def test_racers_never_exceed_max_usage(
    client: TestClient, make_account: Any, live_url: str
) -> None:
    """30 parallel guests, each for a different free slot, race for a 5-use link: exactly 5
    bookings, the rest refused with 410, and the count stops at 5."""
    host = make_account(time_zone="UTC")
    et = make_event_type(client, host, lengthInMinutes=15)
    link = _make_link(client, host, et, maxUsageCount=5)
    day = monday()
    starts = [z(at(day, "09:00") + timedelta(minutes=15 * i)) for i in range(30)]

    async def race() -> Counter[int]:
        async with httpx2.AsyncClient(timeout=120) as http:

            async def one(i: int) -> int:
                r = await http.post(
                    f"{live_url}/v2/bookings",
                    headers=V_BOOKINGS,
                    json={
                        "start": starts[i],
                        "eventTypeId": et,
                        "hashedLink": link["linkId"],
                        "attendee": {
                            "name": f"Racer {i}",
                            "email": f"racer{i}@example.com",
                            "timeZone": "UTC",
                        },
                    },
                )
                assert r.status_code in (201, 410), r.text
                return r.status_code

            return Counter(await asyncio.gather(*(one(i) for i in range(len(starts)))))

    codes = asyncio.run(race())
    assert codes == Counter({201: 5, 410: 25})
    listed = assert_ok(client.get(_links(et), headers=host.headers))[0]
    assert (listed["usageCount"], listed["isExpired"]) == (5, True)
    bookings = assert_ok(client.get("/v2/bookings", headers={**host.headers, **V_BOOKINGS}))
    assert len(bookings) == 5

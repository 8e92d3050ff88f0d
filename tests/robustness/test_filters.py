"""Booking list filters (issue 12, defect 6): a text filter is bounded and matched literally."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.robustness import seed

V = {"cal-api-version": "2024-08-13"}


def test_a_huge_attendee_name_filter_is_a_400_not_a_500(
    client: TestClient, make_account: Any
) -> None:
    """A ~50,000-character attendeeName made SQLite answer 500 (LIKE pattern too complex)."""
    owner = make_account()
    # SQLite only fails on the pattern when it meets a row to match.
    seed.book(client, seed.event_type(client, owner.headers), seed.slot())
    for name, value in (
        ("attendeeName", "x" * 50_000 + "%_\\"),
        ("attendeeName", "a" * 256),
        ("attendeeEmail", "a" * 310 + "@example.com"),
        ("bookingUid", "u" * 256),
    ):
        r = client.get("/v2/bookings", headers={**owner.headers, **V}, params={name: value})
        assert r.status_code == 400, (name, r.status_code, r.text[:200])
        body = r.json()
        assert body["error"]["code"] == "BadRequestException"
        assert name in body["error"]["message"]
    # At the bound it is an ordinary (empty) search.
    r = client.get(
        "/v2/bookings", headers={**owner.headers, **V}, params={"attendeeName": "a" * 255}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"] == []
    assert len(_listed(client, owner.headers, attendeeName="GUE")) == 1


def test_like_wildcards_in_a_name_filter_match_only_themselves(
    client: TestClient, make_account: Any
) -> None:
    owner = make_account()
    et = seed.event_type(client, owner.headers)
    seed.book(client, et, seed.slot(0))
    seed.book(client, et, seed.slot(1), attendee=_attendee("50% off_deal\\x"))
    for value, matches in (("%", 1), ("_", 1), ("\\", 1), ("0% o", 1), ("%_%", 0), ("u_s", 0)):
        assert len(_listed(client, owner.headers, attendeeName=value)) == matches, value


def _attendee(name: str) -> dict[str, str]:
    return {"name": name, "email": "deal@example.com", "timeZone": "UTC"}


def _listed(client: TestClient, headers: dict[str, str], **params: str) -> list[Any]:
    r = client.get("/v2/bookings", headers={**headers, **V}, params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["data"])

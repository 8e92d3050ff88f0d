"""Round-robin reassignment: to the next free host, or to an admin's pick; never to a busy
host, never by outsiders, never for a non-round-robin booking."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.teams.test_team_event_types import _book, _event_type, _team, _weekday_starts

V = {"cal-api-version": "2024-08-13"}


def test_reassign_round_robin_booking(client: TestClient, make_account: Any) -> None:
    owner, a, b, c = (make_account(time_zone="UTC") for _ in range(4))
    tid = _team(client, owner, a, b, c)
    etid = _event_type(client, owner, tid, hosts=[{"userId": u.id} for u in (a, b, c)]).json()[
        "data"
    ]["id"]
    start = _weekday_starts(1, "UTC")[0]
    first = _book(client, etid, start, 1).json()["data"]
    second = _book(client, etid, start, 2).json()["data"]
    uid, host = first["uid"], first["hosts"][0]["id"]
    busy = second["hosts"][0]["id"]
    (free,) = {a.id, b.id, c.id} - {host, busy}
    by_id = {u.id: u for u in (a, b, c)}
    # the organizer hands it on: the only free other host takes it
    r = client.post(f"/v2/bookings/{uid}/reassign", headers={**by_id[host].headers, **V})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {
        "bookingUid": uid,
        "reassignedTo": {
            "id": free,
            "name": r.json()["data"]["reassignedTo"]["name"],
            "email": by_id[free].email,
            "displayEmail": by_id[free].email,
        },
    }
    got = client.get(f"/v2/bookings/{uid}", headers=V).json()["data"]
    assert got["hosts"][0]["id"] == free
    # an admin's pick must be free: the busy host is refused, the first host (free again) not
    r = client.post(f"/v2/bookings/{uid}/reassign/{busy}", headers=owner.headers, json={})
    assert r.status_code == 400
    r = client.post(
        f"/v2/bookings/{uid}/reassign/{host}", headers=owner.headers, json={"reason": "swap"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["reassignedTo"]["id"] == host
    # a plain member who is not the organizer, and outsiders, see nothing
    other = make_account()
    assert client.post(f"/v2/bookings/{uid}/reassign", headers=other.headers).status_code == 404
    assert (
        client.post(f"/v2/bookings/{uid}/reassign", headers=by_id[free].headers).status_code == 404
    )
    assert (
        client.post(f"/v2/bookings/{uid}/reassign/{free}", headers=by_id[host].headers).status_code
        == 403
    )


def test_collective_booking_cannot_be_reassigned(client: TestClient, make_account: Any) -> None:
    owner, a = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    tid = _team(client, owner, a)
    etid = _event_type(
        client, owner, tid, schedulingType="collective", hosts=[{"userId": a.id}]
    ).json()["data"]["id"]
    uid = _book(client, etid, _weekday_starts(1, "UTC")[0]).json()["data"]["uid"]
    assert client.post(f"/v2/bookings/{uid}/reassign", headers=owner.headers).status_code == 400
    assert client.post("/v2/bookings/nope/reassign", headers=owner.headers).status_code == 404

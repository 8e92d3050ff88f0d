"""GET /v2/slots/explain for team event types: round robin names the host a booking would go
to (and a booking then goes there), collective names who blocks; the team's admins and owners
see the blocking bookings as the hosts do, members and strangers only that a host is busy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from tests.teams.test_team_event_types import (
    V_SLOTS,
    _book,
    _event_type,
    _slots,
    _team,
    _weekday_starts,
    z,
)


def _explain(client: TestClient, etid: int, start: datetime, who: Any = None) -> dict[str, Any]:
    r = client.get(
        "/v2/slots/explain",
        params={"eventTypeId": etid, "start": z(start), "timeZone": "UTC"},
        headers={**V_SLOTS, **(who.headers if who is not None else {})},
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def test_round_robin_explain_names_the_host_a_booking_gets(
    client: TestClient, make_account: Any
) -> None:
    owner = make_account(time_zone="UTC")
    fixed, a, b = (make_account(time_zone="UTC") for _ in range(3))
    tid = _team(client, owner, fixed, a, b)
    r = _event_type(
        client,
        owner,
        tid,
        hosts=[{"userId": fixed.id, "mandatory": True}, {"userId": a.id}, {"userId": b.id}],
    )
    etid = r.json()["data"]["id"]
    starts = _weekday_starts(4, "UTC")
    for n, start in enumerate(starts):
        said = _explain(client, etid, start)
        assert said["bookable"] is True
        assert said["chosenHostId"] in (a.id, b.id)
        hosts = {h["hostId"]: h for h in said["hosts"]}
        assert hosts[fixed.id]["mandatory"] is True
        assert hosts[fixed.id]["chosen"] is True
        booked = _book(client, etid, start, n)
        assert booked.status_code == 201, booked.text
        assert booked.json()["data"]["hosts"][0]["id"] == said["chosenHostId"]
    # The mandatory host is busy at the first start now: nobody can take it, and it says who.
    said = _explain(client, etid, starts[0])
    assert said["bookable"] is False
    assert said["chosenHostId"] is None
    assert fixed.id in said["blockedBy"]
    # ... and the slot lists agree: the team's, and the mandatory host's own event type's.
    day = (starts[0], starts[0] + timedelta(hours=1))
    assert starts[0] not in _slots(client, etid, *day)
    mine = _event_type(client, owner, tid, hosts=[{"userId": fixed.id}]).json()["data"]["id"]
    assert starts[0] not in _slots(client, mine, *day)
    assert starts[0] + timedelta(minutes=30) not in _slots(client, mine, *day)


def test_collective_explain_names_blockers_and_admins_see_bookings(
    client: TestClient, make_account: Any
) -> None:
    owner, admin, member = (make_account(time_zone="UTC") for _ in range(3))
    a, b = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    tid = _team(client, owner, a, b, member)
    r = client.post(
        f"/v2/teams/{tid}/memberships",
        headers=owner.headers,
        json={"userId": admin.id, "role": "ADMIN", "accepted": True},
    )
    assert r.status_code == 201, r.text
    rr = _event_type(client, owner, tid, hosts=[{"userId": a.id}])
    coll = _event_type(
        client, owner, tid, schedulingType="collective", hosts=[{"userId": a.id}, {"userId": b.id}]
    )
    start = _weekday_starts(1, "UTC")[0]
    booked = _book(client, rr.json()["data"]["id"], start)
    assert booked.status_code == 201, booked.text
    uid = booked.json()["data"]["uid"]
    etid = coll.json()["data"]["id"]
    for who, sees in ((None, False), (member, False), (admin, True), (owner, True), (a, True)):
        said = _explain(client, etid, start, who)
        assert said["bookable"] is False
        assert said["blockedBy"] == [a.id]
        assert said["chosenHostId"] is None
        busy = [x for x in said["reasons"] if x["code"] == "busy_booking"]
        assert [x["hostId"] for x in busy] == [a.id]
        assert (busy[0].get("bookingUid") == uid) is sees, who

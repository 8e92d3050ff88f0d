"""Team event types over HTTP: shapes, permissions, hosts, and booking them (round robin
fairness, collective blocking), with slots checked against a brute-force oracle over a DST
week."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

V_ET = {"cal-api-version": "2024-06-14"}
V_BOOKINGS = {"cal-api-version": "2024-08-13"}
V_SLOTS = {"cal-api-version": "2024-09-04"}


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _team(client: TestClient, owner: Any, *members: Any, role: str = "MEMBER") -> int:
    r = client.post("/v2/teams", headers=owner.headers, json={"name": f"T {uuid.uuid4().hex[:6]}"})
    assert r.status_code == 201, r.text
    tid: int = r.json()["data"]["id"]
    for m in members:
        r = client.post(
            f"/v2/teams/{tid}/memberships",
            headers=owner.headers,
            json={"userId": m.id, "role": role, "accepted": True},
        )
        assert r.status_code == 201, r.text
    return tid


def _event_type(client: TestClient, by: Any, tid: int, **fields: Any) -> Any:
    body = {
        "title": "Demo",
        "slug": f"demo-{uuid.uuid4().hex[:6]}",
        "lengthInMinutes": 30,
        "minimumBookingNotice": 0,
        "schedulingType": "roundRobin",
        **fields,
    }
    return client.post(f"/v2/teams/{tid}/event-types", headers={**by.headers, **V_ET}, json=body)


def _book(client: TestClient, et: int, start: datetime, n: int = 0) -> Any:
    return client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": z(start),
            "eventTypeId": et,
            "attendee": {"name": "Guest", "email": f"g{n}@example.com", "timeZone": "UTC"},
        },
    )


def _weekday_starts(n: int, tz: str) -> list[datetime]:
    """`n` half-hour starts inside 09:00-17:00 on weekdays in `tz`, from two weeks ahead."""
    day = datetime.now(UTC).date() + timedelta(days=14)
    out: list[datetime] = []
    while len(out) < n:
        if day.weekday() < 5:
            for k in range(16):
                local = datetime.combine(day, time(9), ZoneInfo(tz)) + timedelta(minutes=30 * k)
                out.append(local.astimezone(UTC))
        day += timedelta(days=1)
    return out[:n]


def test_create_get_list_update_delete_shape(client: TestClient, make_account: Any) -> None:
    owner, a, b = make_account(), make_account(), make_account()
    tid = _team(client, owner, a, b)
    r = _event_type(
        client,
        owner,
        tid,
        hosts=[{"userId": a.id, "priority": "high"}, {"userId": b.id, "mandatory": True}],
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["teamId"] == tid
    assert data["schedulingType"] == "roundRobin"
    assert data["team"]["id"] == tid
    assert data["assignAllTeamMembers"] is False
    hosts = {h["userId"]: h for h in data["hosts"]}
    assert hosts[a.id]["priority"] == "high"
    assert hosts[a.id]["mandatory"] is False
    assert hosts[b.id]["mandatory"] is True
    assert hosts[b.id]["priority"] == "medium"
    assert "users" not in data
    etid = data["id"]
    path = f"/v2/teams/{tid}/event-types"
    listed = client.get(path, headers=a.headers).json()["data"]
    assert [e["id"] for e in listed] == [etid]
    assert client.get(f"{path}/{etid}", headers=a.headers).json()["data"]["slug"] == data["slug"]
    r = client.patch(
        f"{path}/{etid}",
        headers=owner.headers,
        json={"title": "Renamed", "schedulingType": "collective", "hosts": [{"userId": a.id}]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["title"] == "Renamed"
    assert r.json()["data"]["schedulingType"] == "collective"
    assert [h["userId"] for h in r.json()["data"]["hosts"]] == [a.id]
    assert r.json()["data"]["hosts"][0]["mandatory"] is True
    r = client.delete(f"{path}/{etid}", headers=owner.headers)
    assert r.status_code == 200
    assert r.json()["data"]["id"] == etid
    assert client.get(f"{path}/{etid}", headers=owner.headers).status_code == 404


def test_permissions_and_bad_input(client: TestClient, make_account: Any) -> None:
    owner, member, outsider = make_account(), make_account(), make_account()
    tid = _team(client, owner, member)
    r = _event_type(client, owner, tid, hosts=[{"userId": member.id}])
    etid = r.json()["data"]["id"]
    path = f"/v2/teams/{tid}/event-types"
    assert _event_type(client, member, tid).status_code == 403
    assert client.patch(f"{path}/{etid}", headers=member.headers, json={}).status_code == 403
    assert client.delete(f"{path}/{etid}", headers=member.headers).status_code == 403
    assert client.get(path, headers=outsider.headers).status_code == 404
    assert client.get(f"{path}/{etid}", headers=outsider.headers).status_code == 404
    assert _event_type(client, outsider, tid).status_code == 404
    # hosts must be accepted members; unknown scheduling types are refused; slugs are unique
    # per team
    assert _event_type(client, owner, tid, hosts=[{"userId": outsider.id}]).status_code == 400
    assert _event_type(client, owner, tid, schedulingType="sometimes").status_code == 400
    slug = r.json()["data"]["slug"]
    assert _event_type(client, owner, tid, slug=slug).status_code == 409
    both = _event_type(client, owner, tid, hosts=[{"userId": member.id}], assignAllTeamMembers=True)
    assert both.status_code == 400
    # the legacy upper-case name is understood
    legacy = _event_type(client, owner, tid, schedulingType="COLLECTIVE")
    assert legacy.status_code == 201
    assert legacy.json()["data"]["schedulingType"] == "collective"


def test_assign_all_members_follows_membership(client: TestClient, make_account: Any) -> None:
    owner, a, late = make_account(), make_account(), make_account()
    tid = _team(client, owner, a)
    r = _event_type(client, owner, tid, assignAllTeamMembers=True)
    assert r.status_code == 201, r.text
    etid = r.json()["data"]["id"]
    assert {h["userId"] for h in r.json()["data"]["hosts"]} == {owner.id, a.id}
    r = client.post(
        f"/v2/teams/{tid}/memberships",
        headers=owner.headers,
        json={"userId": late.id, "accepted": True},
    )
    late_mid = r.json()["data"]["id"]
    path = f"/v2/teams/{tid}/event-types/{etid}"
    hosts = {h["userId"] for h in client.get(path, headers=owner.headers).json()["data"]["hosts"]}
    assert hosts == {owner.id, a.id, late.id}
    client.delete(f"/v2/teams/{tid}/memberships/{late_mid}", headers=owner.headers)
    hosts = {h["userId"] for h in client.get(path, headers=owner.headers).json()["data"]["hosts"]}
    assert hosts == {owner.id, a.id}


def _spread(client: TestClient, make_account: Any, weights: list[int], n: int) -> list[int]:
    owner = make_account(time_zone="UTC")
    hosts = [make_account(time_zone="UTC") for _ in weights]
    tid = _team(client, owner, *hosts)
    r = _event_type(
        client,
        owner,
        tid,
        hosts=[{"userId": h.id, "weight": w} for h, w in zip(hosts, weights, strict=True)],
    )
    assert r.status_code == 201, r.text
    etid = r.json()["data"]["id"]
    counts = dict.fromkeys((h.id for h in hosts), 0)
    for i, start in enumerate(_weekday_starts(n, "UTC")):
        r = _book(client, etid, start, i)
        assert r.status_code == 201, r.text
        counts[r.json()["data"]["hosts"][0]["id"]] += 1
    return [counts[h.id] for h in hosts]


def test_round_robin_fairness_equal_weights(client: TestClient, make_account: Any) -> None:
    counts = _spread(client, make_account, [100, 100, 100, 100], 100)
    assert sum(counts) == 100
    assert all(20 <= c <= 30 for c in counts), counts


def test_round_robin_weights_three_to_one(client: TestClient, make_account: Any) -> None:
    heavy, light = _spread(client, make_account, [300, 100], 80)
    assert heavy + light == 80
    assert 2.5 <= heavy / light <= 3.5, (heavy, light)


def test_round_robin_never_double_books_a_host(client: TestClient, make_account: Any) -> None:
    owner = make_account(time_zone="UTC")
    hosts = [make_account(time_zone="UTC") for _ in range(3)]
    tid = _team(client, owner, *hosts)
    r = _event_type(client, owner, tid, hosts=[{"userId": h.id} for h in hosts])
    etid = r.json()["data"]["id"]
    start = _weekday_starts(1, "UTC")[0]
    got = [_book(client, etid, start, i) for i in range(4)]
    assert [g.status_code for g in got[:3]] == [201, 201, 201]
    assert got[3].status_code == 400
    assert len({g.json()["data"]["hosts"][0]["id"] for g in got[:3]}) == 3


def test_mandatory_host_joins_every_round_robin_booking(
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
    start = _weekday_starts(1, "UTC")[0]
    first = _book(client, etid, start, 1)
    assert first.status_code == 201, first.text
    assert first.json()["data"]["hosts"][0]["id"] in (a.id, b.id)
    # The mandatory host is now busy at that time, so no second booking fits.
    assert _book(client, etid, start, 2).status_code == 400


def test_collective_booking_blocks_every_host(client: TestClient, make_account: Any) -> None:
    owner = make_account(time_zone="UTC")
    a, b = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    tid = _team(client, owner, a, b)
    r = _event_type(
        client, owner, tid, schedulingType="collective", hosts=[{"userId": a.id}, {"userId": b.id}]
    )
    etid = r.json()["data"]["id"]
    start = _weekday_starts(1, "UTC")[0]
    assert _book(client, etid, start, 1).status_code == 201
    assert _book(client, etid, start, 2).status_code == 400
    rr = _event_type(client, owner, tid, hosts=[{"userId": a.id}, {"userId": b.id}])
    assert _book(client, rr.json()["data"]["id"], start, 3).status_code == 400


# -- slots against a brute-force oracle over a DST week ------------------------------------------

ZONES = ("America/New_York", "Europe/London", "America/Chicago")


def _dst_sunday() -> date:
    """The second Sunday of March (US clocks go forward; Europe's not yet) at least two weeks
    ahead: that week New York is 4 hours behind London for a while, not 5."""
    year = (datetime.now(UTC).date() + timedelta(days=14)).year
    while True:
        first = date(year, 3, 1)
        sunday = first + timedelta(days=(6 - first.weekday()) % 7 + 7)
        if sunday >= datetime.now(UTC).date() + timedelta(days=14):
            return sunday
        year += 1


def _free(tz: str, start: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    """Independent of the engine: local Mon-Fri 09:00-17:00, minus busy, for 30 minutes."""
    end = start + timedelta(minutes=30)
    ls, le = start.astimezone(ZoneInfo(tz)), end.astimezone(ZoneInfo(tz))
    if ls.weekday() >= 5 or le.date() != ls.date():
        return False
    if ls.time() < time(9) or le.time() > time(17):
        return False
    return not any(bs < end and start < be for bs, be in busy)


def _oracle(
    lo: datetime,
    hi: datetime,
    hosts: list[tuple[str, list[tuple[datetime, datetime]]]],
    mode: str,
    fixed: frozenset[int] = frozenset(),
) -> set[datetime]:
    """Collective: every host free. Round robin: every fixed host free and one other (all
    fixed: every host)."""
    out = set()
    t = lo
    while t < hi:
        frees = [_free(tz, t, busy) for tz, busy in hosts]
        if mode == "collective":
            ok = all(frees)
        else:
            rotating = [f for i, f in enumerate(frees) if i not in fixed]
            ok = all(frees[i] for i in fixed) and (any(rotating) or not rotating)
        if ok:
            out.add(t)
        t += timedelta(minutes=30)
    return out


def _slots(client: TestClient, etid: int, lo: datetime, hi: datetime) -> set[datetime]:
    return _slots_of(client, {"eventTypeId": etid}, lo, hi)


def _slots_of(client: TestClient, ref: dict[str, Any], lo: datetime, hi: datetime) -> set[datetime]:
    r = client.get(
        "/v2/slots",
        params={**ref, "start": z(lo), "end": z(hi), "timeZone": "UTC"},
        headers=V_SLOTS,
    )
    assert r.status_code == 200, r.text
    return {
        datetime.fromisoformat(s["start"].replace("Z", "+00:00")).astimezone(UTC)
        for day in r.json()["data"].values()
        for s in day
    }


def test_slots_match_oracle_over_dst_week(client: TestClient, make_account: Any) -> None:
    owner = make_account(time_zone="UTC")
    members = [make_account(time_zone=tz) for tz in ZONES]
    tid = _team(client, owner, *members)
    sunday = _dst_sunday()
    lo = datetime.combine(sunday - timedelta(days=4), time(0), UTC)
    hi = datetime.combine(sunday + timedelta(days=4), time(0), UTC)
    # One busy hour for the London host, from a personal booking the team's slots must see.
    r = client.post(
        "/v2/event-types",
        headers={**members[1].headers, **V_ET},
        json={"title": "1:1", "slug": "one", "lengthInMinutes": 60, "minimumBookingNotice": 0},
    )
    busy_start = datetime.combine(sunday + timedelta(days=1), time(14), UTC)
    assert _book(client, r.json()["data"]["id"], busy_start).status_code == 201
    busy = {1: [(busy_start, busy_start + timedelta(hours=1))]}
    hosts = [(tz, busy.get(i, [])) for i, tz in enumerate(ZONES)]
    cases: list[tuple[str, str, frozenset[int]]] = [
        ("collective", "collective", frozenset()),
        ("round_robin", "roundRobin", frozenset()),
        # The busy London host mandatory: its hour is gone even where New York is free.
        ("round_robin", "roundRobin", frozenset({1})),
        ("round_robin", "roundRobin", frozenset({0, 2})),
        ("round_robin", "roundRobin", frozenset({0, 1, 2})),
    ]
    for mode, wire, fixed in cases:
        et = _event_type(
            client,
            owner,
            tid,
            schedulingType=wire,
            hosts=[{"userId": m.id, "mandatory": i in fixed} for i, m in enumerate(members)],
        )
        assert et.status_code == 201, et.text
        got = _slots(client, et.json()["data"]["id"], lo, hi)
        want = _oracle(lo, hi, hosts, mode, fixed)
        assert want, (mode, fixed)
        assert got == want, (mode, fixed, sorted(got ^ want)[:6])


def test_slots_by_team_slug_and_event_type_slug(client: TestClient, make_account: Any) -> None:
    owner, a = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    tid = _team(client, owner, a)
    slug = client.get(f"/v2/teams/{tid}", headers=owner.headers).json()["data"]["slug"]
    et = _event_type(client, owner, tid, slug="sales-call", hosts=[{"userId": a.id}])
    start = _weekday_starts(1, "UTC")[0]
    params = {"start": z(start), "end": z(start + timedelta(days=1)), "timeZone": "UTC"}
    by_id = client.get(
        "/v2/slots", params={**params, "eventTypeId": et.json()["data"]["id"]}, headers=V_SLOTS
    )
    by_slug = client.get(
        "/v2/slots",
        params={**params, "teamSlug": slug, "eventTypeSlug": "sales-call"},
        headers=V_SLOTS,
    )
    assert by_slug.status_code == 200, by_slug.text
    assert by_slug.json()["data"] == by_id.json()["data"]
    assert by_slug.json()["data"]
    missing = client.get(
        "/v2/slots",
        params={**params, "teamSlug": "no-such-team", "eventTypeSlug": "sales-call"},
        headers=V_SLOTS,
    )
    assert missing.status_code == 404


def test_booking_url_is_the_team_booking_page(client: TestClient, make_account: Any) -> None:
    """Both event-type APIs link a team event type to /team/{teamSlug}/{slug}, a page that
    exists (the booker URL and the pages are this server in tests)."""
    owner, a = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    tid = _team(client, owner, a)
    team_slug = client.get(f"/v2/teams/{tid}", headers=owner.headers).json()["data"]["slug"]
    r = _event_type(client, owner, tid, slug="sales-call", hosts=[{"userId": a.id}])
    assert r.status_code == 201, r.text
    url = r.json()["data"]["bookingUrl"]
    assert url.endswith(f"/team/{team_slug}/sales-call")
    etid = r.json()["data"]["id"]
    path = f"/v2/teams/{tid}/event-types"
    assert client.get(f"{path}/{etid}", headers=a.headers).json()["data"]["bookingUrl"] == url
    assert [e["bookingUrl"] for e in client.get(path, headers=a.headers).json()["data"]] == [url]
    page = client.get("/" + url.split("/", 3)[3])
    assert page.status_code == 200, page.text
    # A personal event type keeps its owner's page.
    r = client.post(
        "/v2/event-types",
        headers={**a.headers, **V_ET},
        json={"title": "Mine", "slug": "mine", "lengthInMinutes": 30},
    )
    assert r.json()["data"]["bookingUrl"].endswith(f"/{a.username}/mine")

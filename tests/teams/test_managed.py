"""Managed event types: a team template whose children are per-member event types, owned by
each assigned member, kept in sync with the template, removed on unassignment, on leaving the
team and with the template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from tests.teams.test_team_event_types import (
    V_ET,
    V_SLOTS,
    _book,
    _event_type,
    _team,
    _weekday_starts,
    z,
)


def _mine(client: TestClient, who: Any, slug: str) -> list[dict[str, Any]]:
    r = client.get("/v2/event-types", headers={**who.headers, **V_ET})
    assert r.status_code == 200, r.text
    return [e for e in r.json()["data"] if e["slug"] == slug]


def test_managed_children_follow_the_template(client: TestClient, make_account: Any) -> None:
    owner, a, b = (make_account(time_zone="UTC") for _ in range(3))
    tid = _team(client, owner, a, b)
    r = _event_type(
        client,
        owner,
        tid,
        schedulingType="managed",
        slug="intro",
        title="Intro",
        hosts=[{"userId": a.id}, {"userId": b.id}],
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["schedulingType"] == "managed"
    etid = r.json()["data"]["id"]
    [child_a] = _mine(client, a, "intro")
    [child_b] = _mine(client, b, "intro")
    assert child_a["ownerId"] == a.id
    assert (child_a["title"], child_a["lengthInMinutes"]) == ("Intro", 30)
    assert child_a["id"] != child_b["id"] != etid
    # A child is the member's own event type: bookable on their hours.
    start = _weekday_starts(1, "UTC")[0]
    slots = client.get(
        "/v2/slots",
        params={
            "eventTypeId": child_a["id"],
            "start": z(start),
            "end": z(start + timedelta(days=1)),
        },
        headers=V_SLOTS,
    )
    assert slots.status_code == 200, slots.text
    assert slots.json()["data"]
    # The template itself books nobody: no slots, and a booking is refused.
    template_slots = client.get(
        "/v2/slots",
        params={"eventTypeId": etid, "start": z(start), "end": z(start + timedelta(days=1))},
        headers=V_SLOTS,
    )
    assert template_slots.status_code == 200, template_slots.text
    assert template_slots.json()["data"] == {}
    assert _book(client, etid, start).status_code == 400
    # The template's fields are locked: a change reaches every child.
    path = f"/v2/teams/{tid}/event-types/{etid}"
    r = client.patch(path, headers=owner.headers, json={"title": "Welcome", "lengthInMinutes": 45})
    assert r.status_code == 200, r.text
    for who in (a, b):
        [child] = _mine(client, who, "intro")
        assert (child["title"], child["lengthInMinutes"]) == ("Welcome", 45)
    assert _mine(client, a, "intro")[0]["id"] == child_a["id"]
    # Unassigned: b's child goes; a's stays.
    r = client.patch(path, headers=owner.headers, json={"hosts": [{"userId": a.id}]})
    assert r.status_code == 200, r.text
    assert _mine(client, b, "intro") == []
    assert [c["id"] for c in _mine(client, a, "intro")] == [child_a["id"]]
    # Leaving the team takes a's child with it.
    ms = client.get(f"/v2/teams/{tid}/memberships", headers=owner.headers).json()["data"]
    mid = next(m["id"] for m in ms if m["userId"] == a.id)
    assert (
        client.delete(f"/v2/teams/{tid}/memberships/{mid}", headers=owner.headers).status_code
        == 200
    )
    assert _mine(client, a, "intro") == []


def test_deleting_the_template_deletes_children(client: TestClient, make_account: Any) -> None:
    owner, a = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    tid = _team(client, owner, a)
    r = _event_type(
        client, owner, tid, schedulingType="managed", slug="demo", hosts=[{"userId": a.id}]
    )
    assert r.status_code == 201, r.text
    assert len(_mine(client, a, "demo")) == 1
    etid = r.json()["data"]["id"]
    assert (
        client.delete(f"/v2/teams/{tid}/event-types/{etid}", headers=owner.headers).status_code
        == 200
    )
    assert _mine(client, a, "demo") == []


def test_managed_slug_clash_with_a_members_own_event_type(
    client: TestClient, make_account: Any
) -> None:
    owner, a = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    tid = _team(client, owner, a)
    own = client.post(
        "/v2/event-types",
        headers={**a.headers, **V_ET},
        json={"title": "Mine", "slug": "taken", "lengthInMinutes": 30},
    )
    assert own.status_code == 201, own.text
    r = _event_type(
        client, owner, tid, schedulingType="managed", slug="taken", hosts=[{"userId": a.id}]
    )
    assert r.status_code == 409, r.text
    # Nothing was written: the team has no such event type, a keeps only their own.
    listed = client.get(f"/v2/teams/{tid}/event-types", headers=owner.headers).json()["data"]
    assert [e for e in listed if e["slug"] == "taken"] == []
    assert [e["title"] for e in _mine(client, a, "taken")] == ["Mine"]


def test_assign_all_members_gives_late_members_a_child(
    client: TestClient, make_account: Any
) -> None:
    owner, late = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    tid = _team(client, owner)
    r = _event_type(
        client, owner, tid, schedulingType="managed", slug="all", assignAllTeamMembers=True
    )
    assert r.status_code == 201, r.text
    assert len(_mine(client, owner, "all")) == 1
    r = client.post(
        f"/v2/teams/{tid}/memberships",
        headers=owner.headers,
        json={"userId": late.id, "accepted": True},
    )
    assert r.status_code == 201, r.text
    [child] = _mine(client, late, "all")
    assert child["ownerId"] == late.id

"""A team event type's webhooks: admins manage them, members and outsiders cannot, and a
booking of the team event type is delivered to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from calgate.store.db import sync_url
from tests.teams.test_team_event_types import _book, _event_type, _team, _weekday_starts


def test_team_event_type_webhooks(client: TestClient, make_account: Any, db_url: str) -> None:
    owner, member, outsider = (make_account(time_zone="UTC") for _ in range(3))
    tid = _team(client, owner, member)
    etid = _event_type(client, owner, tid, hosts=[{"userId": member.id}]).json()["data"]["id"]
    path = f"/v2/teams/{tid}/event-types/{etid}/webhooks"
    body = {
        "subscriberUrl": "https://hooks.example.com/team",
        "triggers": ["BOOKING_CREATED"],
        "active": True,
    }
    assert client.post(path, headers=member.headers, json=body).status_code == 403
    assert client.post(path, headers=outsider.headers, json=body).status_code == 404
    r = client.post(path, headers=owner.headers, json=body)
    assert r.status_code == 201, r.text
    hook = r.json()["data"]
    assert hook["eventTypeId"] == etid
    listed = client.get(path, headers=owner.headers).json()["data"]
    assert [h["id"] for h in listed] == [hook["id"]]
    r = client.patch(f"{path}/{hook['id']}", headers=owner.headers, json={"active": False})
    assert r.status_code == 200
    assert r.json()["data"]["active"] is False
    client.patch(f"{path}/{hook['id']}", headers=owner.headers, json={"active": True})
    # the hook of another team's event type is not reachable through this one
    other_tid = _team(client, owner)
    other = f"/v2/teams/{other_tid}/event-types/{etid}/webhooks/{hook['id']}"
    assert client.get(other, headers=owner.headers).status_code == 404

    assert _book(client, etid, _weekday_starts(1, "UTC")[0]).status_code == 201
    engine = create_engine(sync_url(db_url))
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM webhook_deliveries WHERE webhook_id = :h"), {"h": hook["id"]}
        ).scalar_one()
    engine.dispose()
    assert n == 1
    r = client.delete(f"{path}/{hook['id']}", headers=owner.headers)
    assert r.status_code == 200
    assert client.get(path, headers=owner.headers).json()["data"] == []

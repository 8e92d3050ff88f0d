"""CRUD of user-level and event-type webhooks, as Cal.com's API v2 answers it."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from calgate.webhooks.triggers import ALL_TRIGGERS
from tests.support.parallel import assert_no_server_error, in_parallel
from tests.webhooks.conftest import event_type


def test_user_webhook_crud(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.post(
        "/v2/webhooks",
        headers=acct.headers,
        json={
            "subscriberUrl": "https://example.com/hook",
            "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED", "BOOKING_CREATED"],
            "active": True,
            "secret": "s3cret",
            "payloadTemplate": '{"t":"{{triggerEvent}}"}',
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "success"
    hook = body["data"]
    assert hook == {
        "id": hook["id"],
        "userId": acct.id,
        "subscriberUrl": "https://example.com/hook",
        "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED"],
        "active": True,
        "payloadTemplate": '{"t":"{{triggerEvent}}"}',
    }
    assert "s3cret" not in r.text

    listed = client.get("/v2/webhooks", headers=acct.headers).json()["data"]
    assert [h["id"] for h in listed] == [hook["id"]]
    assert client.get(f"/v2/webhooks/{hook['id']}", headers=acct.headers).json()["data"] == hook

    r = client.patch(
        f"/v2/webhooks/{hook['id']}",
        headers=acct.headers,
        json={"active": False, "triggers": ["MEETING_ENDED"], "payloadTemplate": None},
    )
    assert r.status_code == 200, r.text
    patched = r.json()["data"]
    assert patched["active"] is False
    assert patched["triggers"] == ["MEETING_ENDED"]
    assert patched["payloadTemplate"] is None
    assert patched["subscriberUrl"] == "https://example.com/hook"

    r = client.delete(f"/v2/webhooks/{hook['id']}", headers=acct.headers)
    assert r.status_code == 200
    assert r.json()["data"]["id"] == hook["id"]
    assert client.get(f"/v2/webhooks/{hook['id']}", headers=acct.headers).status_code == 404
    assert client.get("/v2/webhooks", headers=acct.headers).json()["data"] == []


def test_every_cal_com_trigger_is_accepted(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.post(
        "/v2/webhooks",
        headers=acct.headers,
        json={
            "active": True,
            "subscriberUrl": "http://example.com/",
            "triggers": list(ALL_TRIGGERS),
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["triggers"] == list(ALL_TRIGGERS)
    for name in (
        "BOOKING_CREATED",
        "BOOKING_RESCHEDULED",
        "BOOKING_CANCELLED",
        "BOOKING_CONFIRMED",
        "BOOKING_REJECTED",
        "BOOKING_REQUESTED",
        "BOOKING_PAYMENT_INITIATED",
        "BOOKING_NO_SHOW_UPDATED",
        "MEETING_ENDED",
        "MEETING_STARTED",
        "RECORDING_READY",
        "INSTANT_MEETING",
        "RECORDING_TRANSCRIPTION_GENERATED",
    ):
        assert name in ALL_TRIGGERS


@pytest.mark.parametrize(
    "body",
    [
        {
            "active": True,
            "subscriberUrl": "https://example.com/h",
            "triggers": ["BOOKING_EXPLODED"],
        },
        {"active": True, "subscriberUrl": "ftp://example.com/h", "triggers": ["BOOKING_CREATED"]},
        {"active": True, "subscriberUrl": "javascript:alert(1)", "triggers": ["BOOKING_CREATED"]},
        {"active": True, "subscriberUrl": "not a url", "triggers": ["BOOKING_CREATED"]},
        {"active": True, "subscriberUrl": "https://", "triggers": ["BOOKING_CREATED"]},
        {"active": True, "subscriberUrl": "https://example.com/h"},
        {"active": True, "subscriberUrl": "https://example.com/h", "triggers": "BOOKING_CREATED"},
        {"active": True, "subscriberUrl": "https://example.com/h", "triggers": [], "bogus": 1},
    ],
)
def test_bad_input_is_400(client: TestClient, make_account: Any, body: dict[str, Any]) -> None:
    acct = make_account()
    r = client.post("/v2/webhooks", headers=acct.headers, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BadRequestException"


def test_patch_refuses_bad_url_and_trigger(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    hook = client.post(
        "/v2/webhooks",
        headers=acct.headers,
        json={
            "active": True,
            "subscriberUrl": "https://example.com/h",
            "triggers": ["BOOKING_CREATED"],
        },
    ).json()["data"]
    for body in ({"subscriberUrl": "file:///etc/passwd"}, {"triggers": ["NOPE"]}):
        r = client.patch(f"/v2/webhooks/{hook['id']}", headers=acct.headers, json=body)
        assert r.status_code == 400, r.text


def test_other_users_webhooks_are_not_found(client: TestClient, make_account: Any) -> None:
    owner, stranger = make_account(), make_account()
    hook = client.post(
        "/v2/webhooks",
        headers=owner.headers,
        json={
            "active": True,
            "subscriberUrl": "https://example.com/h",
            "triggers": ["BOOKING_CREATED"],
        },
    ).json()["data"]
    path = f"/v2/webhooks/{hook['id']}"
    assert client.get(path, headers=stranger.headers).status_code == 404
    assert client.patch(path, headers=stranger.headers, json={"active": False}).status_code == 404
    assert client.delete(path, headers=stranger.headers).status_code == 404
    assert client.get(f"{path}/deliveries", headers=stranger.headers).status_code == 404
    assert client.get("/v2/webhooks", headers=stranger.headers).json()["data"] == []
    assert client.get(path, headers=owner.headers).json()["data"]["active"] is True
    assert client.get("/v2/webhooks").status_code == 401


def test_event_type_webhooks(client: TestClient, make_account: Any) -> None:
    owner, stranger = make_account(), make_account()
    et = event_type(client, owner)
    other_et = event_type(client, owner, title="Other", slug="other")
    base = f"/v2/event-types/{et}/webhooks"
    r = client.post(
        base,
        headers=owner.headers,
        json={
            "active": True,
            "subscriberUrl": "https://example.com/et",
            "triggers": ["BOOKING_CREATED"],
        },
    )
    assert r.status_code == 201, r.text
    hook = r.json()["data"]
    assert hook["eventTypeId"] == et
    assert "userId" not in hook
    second = client.post(
        base,
        headers=owner.headers,
        json={
            "active": True,
            "subscriberUrl": "https://example.com/2",
            "triggers": ["MEETING_STARTED"],
        },
    ).json()["data"]

    listed = client.get(base, headers=owner.headers).json()["data"]
    assert [h["id"] for h in listed] == [hook["id"], second["id"]]
    assert client.get(f"{base}/{hook['id']}", headers=owner.headers).json()["data"] == hook
    # Not a user-level webhook, and not a webhook of the other event type.
    assert client.get(f"/v2/webhooks/{hook['id']}", headers=owner.headers).status_code == 404
    other = f"/v2/event-types/{other_et}/webhooks/{hook['id']}"
    assert client.get(other, headers=owner.headers).status_code == 404
    assert client.get("/v2/webhooks", headers=owner.headers).json()["data"] == []

    r = client.patch(f"{base}/{hook['id']}", headers=owner.headers, json={"active": False})
    assert r.status_code == 200
    assert r.json()["data"]["active"] is False

    # A stranger can't see, create under, change or delete anything of this event type.
    assert client.get(base, headers=stranger.headers).status_code == 404
    assert (
        client.post(
            base,
            headers=stranger.headers,
            json={
                "active": True,
                "subscriberUrl": "https://evil.example/",
                "triggers": ["BOOKING_CREATED"],
            },
        ).status_code
        == 404
    )
    assert client.get(f"{base}/{hook['id']}", headers=stranger.headers).status_code == 404
    assert client.delete(f"{base}/{hook['id']}", headers=stranger.headers).status_code == 404
    assert client.delete(base, headers=stranger.headers).status_code == 404

    r = client.delete(f"{base}/{hook['id']}", headers=owner.headers)
    assert r.status_code == 200
    assert r.json()["data"]["id"] == hook["id"]
    r = client.delete(base, headers=owner.headers)
    assert r.status_code == 200
    assert r.json()["data"] == "1 webhooks deleted"
    assert client.get(base, headers=owner.headers).json()["data"] == []
    assert client.get("/v2/event-types/999999/webhooks", headers=owner.headers).status_code == 404


def test_pagination(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    ids = [
        client.post(
            "/v2/webhooks",
            headers=acct.headers,
            json={
                "active": True,
                "subscriberUrl": f"https://example.com/{i}",
                "triggers": ["BOOKING_CREATED"],
            },
        ).json()["data"]["id"]
        for i in range(3)
    ]
    page = client.get("/v2/webhooks", headers=acct.headers, params={"take": 2, "skip": 1})
    assert [h["id"] for h in page.json()["data"]] == ids[1:]
    assert client.get("/v2/webhooks", headers=acct.headers, params={"take": 0}).status_code == 400


def test_parallel_creates_all_succeed(client: TestClient, make_account: Any, live_url: str) -> None:
    """Concurrent writes wait for SQLite's write lock instead of failing with 500."""
    acct = make_account()
    et_id = event_type(client, acct)

    def create(http: httpx2.Client, i: int) -> httpx2.Response:
        path = "/v2/webhooks" if i % 2 else f"/v2/event-types/{et_id}/webhooks"
        body = {
            "active": True,
            "subscriberUrl": f"https://example.com/hook/{i}",
            "triggers": ["BOOKING_CREATED"],
        }
        return http.post(path, headers=acct.headers, json=body)

    assert_no_server_error(in_parallel(live_url, 20, create), 201)

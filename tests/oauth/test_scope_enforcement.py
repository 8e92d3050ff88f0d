"""OAuth access tokens are held to their scopes on every `/v2` endpoint; API keys are not.

The table lives in `calgate.api.scopes`; the first tests check it covers every route that takes
credentials, the rest call each resource family in and out of scope.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.testclient import TestClient

from calgate.api.auth import Principal, check_route_scopes, optional_principal, require_principal
from calgate.api.scopes import ROUTE_SCOPES, required_scopes
from calgate.errors import Forbidden
from calgate.oauth import service
from calgate.oauth.scopes import ALL_SCOPES
from tests.oauth.conftest import Client, run_async

V_ET = {"cal-api-version": "2024-06-14"}
V_BOOKING = {"cal-api-version": "2024-08-13"}
V_SLOTS = {"cal-api-version": "2024-09-04"}


# --- the table ------------------------------------------------------------------------------


def _calls(dependant: Any) -> set[Any]:
    found: set[Any] = set()
    for sub in dependant.dependencies:
        found.add(sub.call)
        found |= _calls(sub)
    return found


def _credentialed_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every /v2 route whose dependencies read credentials."""
    out = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.path.startswith("/v2/"):
            continue
        # The table is keyed on scope["route"].path: the route's own path must be the served one.
        assert context.path == route.path, (context.path, route.path)
        if _calls(route.dependant) & {require_principal, optional_principal}:
            out.extend((method, route.path) for method in sorted(route.methods))
    return out


def test_every_credentialed_v2_route_has_a_scope_entry(client: TestClient) -> None:
    routes = _credentialed_routes(client)
    assert len(routes) > 30  # the walk does see the API
    missing = [r for r in routes if r not in ROUTE_SCOPES]
    assert missing == [], f"add these to calgate.api.scopes.ROUTE_SCOPES: {missing}"
    stale = sorted(set(ROUTE_SCOPES) - set(routes))
    assert stale == [], f"entries for routes that don't exist or take no credentials: {stale}"
    for needed in ROUTE_SCOPES.values():
        assert set(needed) <= set(ALL_SCOPES)


def test_table_follows_cal_com_for_the_plain_resources() -> None:
    assert required_scopes("GET", "/v2/me") == ("PROFILE_READ",)
    assert required_scopes("PATCH", "/v2/me") == ("PROFILE_WRITE",)
    assert required_scopes("HEAD", "/v2/me") == ("PROFILE_READ",)
    for method, path, scope in [
        ("GET", "/v2/event-types", "EVENT_TYPE_READ"),
        ("POST", "/v2/event-types", "EVENT_TYPE_WRITE"),
        ("PATCH", "/v2/event-types/{event_type_id}", "EVENT_TYPE_WRITE"),
        ("DELETE", "/v2/event-types/{event_type_id}", "EVENT_TYPE_WRITE"),
        ("GET", "/v2/schedules/default", "SCHEDULE_READ"),
        ("DELETE", "/v2/schedules/{schedule_id}", "SCHEDULE_WRITE"),
        ("GET", "/v2/bookings", "BOOKING_READ"),
        ("POST", "/v2/bookings/{booking_uid}/confirm", "BOOKING_WRITE"),
    ]:
        assert required_scopes(method, path) == (scope,)


def _request(method: str, path: str | None) -> Request:
    scope: dict[str, Any] = {"type": "http", "method": method, "path": "/x", "headers": []}
    if path is not None:
        scope["route"] = SimpleNamespace(path=path)
    return Request(scope)


def test_route_without_entry_refuses_oauth_tokens_but_not_api_keys() -> None:
    user: Any = object()
    token = Principal(user=user, scopes=frozenset(ALL_SCOPES))
    for request in (_request("GET", "/v2/not-in-the-table"), _request("GET", None)):
        with pytest.raises(Forbidden, match="not available for third-party OAuth tokens"):
            check_route_scopes(request, token)
        check_route_scopes(request, Principal(user=user))  # API key: unrestricted
    check_route_scopes(_request("GET", "/v2/me"), token)


# --- tokens with narrow scopes --------------------------------------------------------------


@pytest.fixture
def owner(make_account: Any) -> Any:
    return make_account()


@pytest.fixture
def token(client: TestClient, owner: Any, oauth_client: Client) -> Any:
    """token("SCOPE", ...) -> Authorization headers for an OAuth token with those scopes."""

    def make(*scopes: str) -> dict[str, str]:
        async def issue(session: Any) -> dict[str, Any]:
            return await service.issue_tokens(
                session,
                client.app.state.calgate.settings,  # type: ignore[attr-defined]
                client_id=oauth_client.client_id,
                user_id=owner.id,
                scopes=list(scopes),
            )

        issued = run_async(client, issue)
        assert issued["scope"].split() == [s for s in ALL_SCOPES if s in scopes]
        return {"Authorization": f"Bearer {issued['access_token']}"}

    return make


def _forbidden(r: Any, path: str, *missing: str) -> None:
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["status"] == "error"
    assert body["timestamp"].endswith("Z")
    assert body["path"] == path
    assert body["error"]["code"] == "ForbiddenException"
    message = body["error"]["message"]
    assert message.startswith("insufficient_scope: token does not have the required scopes.")
    assert f"Required: {', '.join(missing)}." in message


def _monday_15z() -> datetime:
    earliest = datetime.now(UTC).date() + timedelta(days=14)
    day: date = earliest + timedelta(days=(7 - earliest.weekday()) % 7)
    # 15:00Z is inside 9-17 New York time in winter and in summer.
    return datetime.combine(day, time(15, 0), UTC)


def _event_type(client: TestClient, headers: dict[str, str]) -> int:
    body = {"title": "Intro", "slug": "intro", "lengthInMinutes": 30, "minimumBookingNotice": 0}
    r = client.post("/v2/event-types", headers={**headers, **V_ET}, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def _booking_body(event_type_id: int, start: datetime) -> dict[str, Any]:
    return {
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventTypeId": event_type_id,
        "attendee": {"name": "Guest", "email": "guest@example.com", "timeZone": "UTC"},
    }


def test_profile_scopes(client: TestClient, token: Any) -> None:
    read, write, other = token("PROFILE_READ"), token("PROFILE_WRITE"), token("BOOKING_READ")
    assert client.get("/v2/me", headers=read).status_code == 200
    r = client.get("/v2/me", headers=other)
    _forbidden(r, "/v2/me", "PROFILE_READ")
    assert r.json()["error"]["message"] == (
        "insufficient_scope: token does not have the required scopes. "
        "Required: PROFILE_READ. Token has: BOOKING_READ"
    )
    _forbidden(client.patch("/v2/me", headers=read, json={"name": "X"}), "/v2/me", "PROFILE_WRITE")
    r = client.patch("/v2/me", headers=write, json={"name": "New Name"})
    assert r.status_code == 200, r.text
    assert client.get("/v2/me", headers=write).status_code == 403


def test_event_type_scopes(client: TestClient, owner: Any, token: Any) -> None:
    read, write = token("EVENT_TYPE_READ"), token("EVENT_TYPE_WRITE")
    none_of_it = token("BOOKING_READ", "BOOKING_WRITE", "SCHEDULE_READ", "PROFILE_READ")
    et = _event_type(client, owner.headers)
    path = f"/v2/event-types/{et}"

    assert client.get("/v2/event-types", headers=read).status_code == 200
    assert client.get(path, headers={**read, **V_ET}).status_code == 200
    _forbidden(
        client.get("/v2/event-types", headers=none_of_it), "/v2/event-types", "EVENT_TYPE_READ"
    )
    _forbidden(client.get(path, headers=write), path, "EVENT_TYPE_READ")
    body = {"title": "Other", "slug": "other", "lengthInMinutes": 15}
    _forbidden(
        client.post("/v2/event-types", headers={**read, **V_ET}, json=body),
        "/v2/event-types",
        "EVENT_TYPE_WRITE",
    )
    _forbidden(client.patch(path, headers=read, json={"title": "T"}), path, "EVENT_TYPE_WRITE")
    _forbidden(client.delete(path, headers=read), path, "EVENT_TYPE_WRITE")

    r = client.post("/v2/event-types", headers={**write, **V_ET}, json=body)
    assert r.status_code == 201, r.text
    assert client.patch(path, headers={**write, **V_ET}, json={"title": "T"}).status_code == 200
    assert client.delete(path, headers=write).status_code == 200
    # The public listing by username needs no credentials at all.
    public = client.get("/v2/event-types", params={"username": owner.username})
    assert public.status_code == 200, public.text


def test_schedule_scopes(client: TestClient, owner: Any, token: Any) -> None:
    read, write = token("SCHEDULE_READ"), token("SCHEDULE_WRITE")
    path = f"/v2/schedules/{owner.default_schedule_id}"
    for url in ("/v2/schedules", "/v2/schedules/default", path):
        assert client.get(url, headers=read).status_code == 200, url
        _forbidden(client.get(url, headers=write), url, "SCHEDULE_READ")
    body = {"name": "Evenings", "timeZone": "Europe/Rome", "isDefault": False}
    _forbidden(
        client.post("/v2/schedules", headers=read, json=body), "/v2/schedules", "SCHEDULE_WRITE"
    )
    r = client.post("/v2/schedules", headers=write, json=body)
    assert r.status_code == 201, r.text
    created = f"/v2/schedules/{r.json()['data']['id']}"
    _forbidden(client.patch(created, headers=read, json={"name": "N"}), created, "SCHEDULE_WRITE")
    assert client.patch(created, headers=write, json={"name": "N"}).status_code == 200
    _forbidden(client.delete(created, headers=read), created, "SCHEDULE_WRITE")
    assert client.delete(created, headers=write).status_code == 200


def test_booking_scopes(client: TestClient, owner: Any, token: Any) -> None:
    read, write = token("BOOKING_READ"), token("BOOKING_WRITE")
    start = _monday_15z()
    et = _event_type(client, owner.headers)

    _forbidden(
        client.post("/v2/bookings", headers={**read, **V_BOOKING}, json=_booking_body(et, start)),
        "/v2/bookings",
        "BOOKING_WRITE",
    )
    r = client.post("/v2/bookings", headers={**write, **V_BOOKING}, json=_booking_body(et, start))
    assert r.status_code == 201, r.text
    uid = r.json()["data"]["uid"]

    assert client.get("/v2/bookings", headers=read).status_code == 200
    _forbidden(client.get("/v2/bookings", headers=write), "/v2/bookings", "BOOKING_READ")
    # Getting one booking by uid takes no credentials (as on Cal.com): any token is ignored.
    assert client.get(f"/v2/bookings/{uid}", headers=token("PROFILE_READ")).status_code == 200

    for action, body in [("mark-absent", {"host": True}), ("confirm", None), ("decline", {})]:
        path = f"/v2/bookings/{uid}/{action}"
        _forbidden(client.post(path, headers=read, json=body), path, "BOOKING_WRITE")
    path = f"/v2/bookings/{uid}/reschedule"
    moved = {"start": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    _forbidden(client.post(path, headers={**read, **V_BOOKING}, json=moved), path, "BOOKING_WRITE")
    r = client.post(path, headers={**write, **V_BOOKING}, json=moved)
    assert r.status_code == 201, r.text
    new_uid = r.json()["data"]["uid"]

    path = f"/v2/bookings/{new_uid}/cancel"
    _forbidden(client.post(path, headers={**read, **V_BOOKING}, json={}), path, "BOOKING_WRITE")
    r = client.post(path, headers={**write, **V_BOOKING}, json={"cancellationReason": "x"})
    assert r.status_code == 200, r.text


def test_public_booking_endpoints_still_work_without_credentials(
    client: TestClient, owner: Any
) -> None:
    start = _monday_15z()
    et = _event_type(client, owner.headers)
    r = client.post("/v2/bookings", headers=V_BOOKING, json=_booking_body(et, start))
    assert r.status_code == 201, r.text
    uid = r.json()["data"]["uid"]
    assert client.get(f"/v2/bookings/{uid}", headers=V_BOOKING).status_code == 200
    later = {"start": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    r = client.post(f"/v2/bookings/{uid}/reschedule", headers=V_BOOKING, json=later)
    assert r.status_code == 201, r.text
    new_uid = r.json()["data"]["uid"]
    r = client.post(f"/v2/bookings/{new_uid}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    day = start.date().isoformat()
    r = client.get("/v2/slots", params={"eventTypeId": et, "start": day, "end": day})
    assert r.status_code == 200, r.text


def test_slot_scopes(client: TestClient, owner: Any, token: Any) -> None:
    start = _monday_15z()
    et = _event_type(client, owner.headers)
    day = start.date().isoformat()
    profile_only = token("PROFILE_READ")
    # Searching slots is public: any valid token may be sent.
    r = client.get(
        "/v2/slots",
        headers={**profile_only, **V_SLOTS},
        params={"eventTypeId": et, "start": day, "end": day},
    )
    assert r.status_code == 200, r.text
    r = client.get(
        "/v2/slots/available",
        headers=profile_only,
        params={"eventTypeId": et, "startTime": f"{day}T00:00:00Z", "endTime": f"{day}T23:59:59Z"},
    )
    assert r.status_code == 200, r.text
    # A reservation made with a token is made as that user: it needs BOOKING_WRITE.
    body = {"eventTypeId": et, "slotStart": start.strftime("%Y-%m-%dT%H:%M:%SZ")}
    url = "/v2/slots/reservations"
    _forbidden(
        client.post(url, headers={**profile_only, **V_SLOTS}, json=body), url, "BOOKING_WRITE"
    )
    r = client.post(url, headers={**token("BOOKING_WRITE"), **V_SLOTS}, json=body)
    assert r.status_code == 201, r.text
    # Without credentials it is a guest's reservation, as before.
    other = {**body, "slotStart": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert client.post(url, headers=V_SLOTS, json=other).status_code == 201


def test_webhook_scopes(client: TestClient, owner: Any, token: Any) -> None:
    hook = {
        "active": True,
        "subscriberUrl": "https://example.com/hook",
        "triggers": ["BOOKING_CREATED"],
    }
    read, write = token("BOOKING_READ"), token("BOOKING_WRITE")
    both = token("BOOKING_READ", "BOOKING_WRITE")
    assert client.get("/v2/webhooks", headers=read).status_code == 200
    _forbidden(client.get("/v2/webhooks", headers=write), "/v2/webhooks", "BOOKING_READ")
    # Writing alone is not enough: a subscription delivers booking data.
    _forbidden(
        client.post("/v2/webhooks", headers=write, json=hook), "/v2/webhooks", "BOOKING_READ"
    )
    _forbidden(
        client.post("/v2/webhooks", headers=read, json=hook), "/v2/webhooks", "BOOKING_WRITE"
    )
    r = client.post("/v2/webhooks", headers=both, json=hook)
    assert r.status_code == 201, r.text
    path = f"/v2/webhooks/{r.json()['data']['id']}"
    assert client.get(path, headers=read).status_code == 200
    assert client.get(f"{path}/deliveries", headers=read).status_code == 200
    _forbidden(client.patch(path, headers=read, json={"active": False}), path, "BOOKING_WRITE")
    assert client.delete(path, headers=both).status_code == 200

    et = _event_type(client, owner.headers)
    et_hooks = f"/v2/event-types/{et}/webhooks"
    et_read, et_write = token("EVENT_TYPE_READ"), token("EVENT_TYPE_WRITE")
    assert client.get(et_hooks, headers=et_read).status_code == 200
    _forbidden(client.post(et_hooks, headers=et_write, json=hook), et_hooks, "BOOKING_READ")
    r = client.post(et_hooks, headers=token("EVENT_TYPE_WRITE", "BOOKING_READ"), json=hook)
    assert r.status_code == 201, r.text
    one = f"{et_hooks}/{r.json()['data']['id']}"
    assert client.get(one, headers=et_read).status_code == 200
    _forbidden(client.delete(one, headers=et_read), one, "EVENT_TYPE_WRITE", "BOOKING_READ")


def test_api_keys_are_unrestricted(client: TestClient, owner: Any) -> None:
    key = owner.headers
    start = _monday_15z()
    et = _event_type(client, key)
    for url in ("/v2/me", "/v2/event-types", "/v2/schedules", "/v2/bookings", "/v2/webhooks"):
        assert client.get(url, headers=key).status_code == 200, url
    assert client.patch("/v2/me", headers=key, json={"name": "K"}).status_code == 200
    r = client.post("/v2/bookings", headers={**key, **V_BOOKING}, json=_booking_body(et, start))
    assert r.status_code == 201, r.text
    hook = {
        "active": True,
        "subscriberUrl": "https://example.com/hook",
        "triggers": ["BOOKING_CREATED"],
    }
    assert client.post("/v2/webhooks", headers=key, json=hook).status_code == 201


def test_all_scopes_token_reaches_every_family(client: TestClient, token: Any) -> None:
    everything = token(*ALL_SCOPES)
    for url in ("/v2/me", "/v2/event-types", "/v2/schedules", "/v2/bookings", "/v2/webhooks"):
        assert client.get(url, headers=everything).status_code == 200, url


def test_bad_token_is_still_401_not_403(client: TestClient) -> None:
    for url in ("/v2/me", "/v2/bookings"):
        r = client.get(url, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401
    r = client.post("/v2/slots/reservations", headers={"Authorization": "Bearer nope"}, json={})
    assert r.status_code == 401


def test_releasing_a_reservation_needs_booking_write(
    client: TestClient, owner: Any, token: Any
) -> None:
    """Issue 12, defect 6: both DELETE reservation routes ignored the token's scopes."""
    start = _monday_15z()
    et = _event_type(client, owner.headers)
    writer = token("BOOKING_WRITE")
    profile_only = token("PROFILE_READ")

    def reserve(hour: int) -> str:
        slot = (start + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"eventTypeId": et, "slotStart": slot}
        r = client.post("/v2/slots/reservations", headers={**writer, **V_SLOTS}, json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["data"]["reservationUid"])

    uid = reserve(0)
    url = f"/v2/slots/reservations/{uid}"
    _forbidden(client.delete(url, headers={**profile_only, **V_SLOTS}), url, "BOOKING_WRITE")
    assert client.get(url, headers=V_SLOTS).status_code == 200  # still held
    assert client.delete(url, headers={**writer, **V_SLOTS}).status_code == 200

    uid = reserve(1)
    url = "/v2/slots/selected-slot"
    r = client.delete(url, headers=profile_only, params={"uid": uid})
    _forbidden(r, f"{url}?uid={uid}", "BOOKING_WRITE")
    assert client.get(f"/v2/slots/reservations/{uid}", headers=V_SLOTS).status_code == 200
    assert client.delete(url, headers=writer, params={"uid": uid}).status_code == 200
    # A guest (no credentials) still releases a hold by its uid, as on Cal.com.
    uid = reserve(2)
    assert client.delete(f"/v2/slots/reservations/{uid}", headers=V_SLOTS).status_code == 200

"""Cal.com's rate limits on /v2 (memory storage): per API key, per OAuth access token and per
IP for anonymous calls, with the X-RateLimit-*-Default headers and a 429 ThrottlerException."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from calgate.config import Settings
from calgate.gateway.config import GatewaySettings
from calgate.web.ratelimit import parse_rate
from tests.ratelimit.conftest import seed_callers

LIMIT = "X-RateLimit-Limit-Default"
REMAINING = "X-RateLimit-Remaining-Default"
RESET = "X-RateLimit-Reset-Default"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_throttled(r: object, limit: int) -> None:
    from httpx2 import Response

    assert isinstance(r, Response)
    assert r.status_code == 429, r.text
    body = r.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "ThrottlerException"
    assert body["error"]["message"]
    assert r.headers[LIMIT] == str(limit)
    assert r.headers[REMAINING] == "0"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert 0 <= int(r.headers[RESET]) <= 60


def test_api_key_limit_headers_and_429(
    limited: Callable[..., TestClient], settings: Settings
) -> None:
    client = limited(rate_limit_api_key="3/minute")
    callers = seed_callers(client, settings)
    for remaining in (2, 1, 0):
        r = client.get("/v2/me", headers=_bearer(callers.api_key))
        assert r.status_code == 200
        assert r.headers[LIMIT] == "3"
        assert r.headers[REMAINING] == str(remaining)
        assert 1 <= int(r.headers[RESET]) <= 60
    _assert_throttled(client.get("/v2/me", headers=_bearer(callers.api_key)), 3)
    # The raw key (no "Bearer ") is the same key and the same count.
    _assert_throttled(client.get("/v2/me", headers={"Authorization": callers.api_key}), 3)
    # Counts are per key: the user's other key is untouched.
    r = client.get("/v2/me", headers=_bearer(callers.other_api_key))
    assert r.status_code == 200
    assert r.headers[REMAINING] == "2"


def test_access_token_limit(limited: Callable[..., TestClient], settings: Settings) -> None:
    client = limited(rate_limit_api_key="2/minute", rate_limit_access_token="4/minute")
    callers = seed_callers(client, settings)
    for remaining in (3, 2, 1, 0):
        r = client.get("/v2/me", headers=_bearer(callers.access_token))
        assert r.status_code == 200, r.text
        assert r.headers[LIMIT] == "4"
        assert r.headers[REMAINING] == str(remaining)
    _assert_throttled(client.get("/v2/me", headers=_bearer(callers.access_token)), 4)
    # An unknown token is counted under its own name, as a token, before any lookup.
    for _ in range(4):
        r = client.get("/v2/me", headers=_bearer("not-a-token"))
        assert r.status_code == 401
        assert r.headers[LIMIT] == "4"
    _assert_throttled(client.get("/v2/me", headers=_bearer("not-a-token")), 4)


def test_anonymous_calls_are_limited_per_ip(
    limited: Callable[..., TestClient], settings: Settings
) -> None:
    client = limited(rate_limit_anonymous="4/minute")
    calls = [
        ("GET", "/v2/slots/available?eventTypeId=1"),
        ("POST", "/v2/bookings"),
        ("POST", "/v2/slots/reservations"),
        ("POST", "/auth/oauth2/login"),
    ]
    for remaining, (method, path) in zip((3, 2, 1, 0), calls, strict=True):
        r = client.request(method, path, json={})
        assert r.status_code < 500
        assert r.status_code != 429
        assert r.headers[LIMIT] == "4"
        assert r.headers[REMAINING] == str(remaining)
    _assert_throttled(client.get("/v2/slots?eventTypeId=1"), 4)
    _assert_throttled(client.post("/auth/oauth2/login", data={"email": "a@b.c"}), 4)
    # Calls outside the anonymous list carry no limit.
    for _ in range(6):
        r = client.get("/v2/timezones")
        assert r.status_code == 200
        assert LIMIT not in r.headers
    # A caller with credentials is counted by its credentials, not its address.
    callers = seed_callers(client, settings)
    r = client.get("/v2/slots/available?eventTypeId=1", headers=_bearer(callers.api_key))
    assert r.status_code != 429
    assert r.headers[LIMIT] == "120"


def test_oauth_token_and_revoke_are_limited_per_ip(limited: Callable[..., TestClient]) -> None:
    """A client secret can't be guessed at full speed: the token and revoke endpoints count per
    address, and the 429 is the OAuth error object an OAuth client parses."""
    client = limited(rate_limit_anonymous="3/minute")
    guess = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "guess"}
    for remaining in (2, 1):
        r = client.post("/v2/auth/oauth2/token", data=guess)
        assert r.status_code in (400, 401), r.text
        assert r.headers[REMAINING] == str(remaining)
    r = client.post("/v2/auth/oauth2/revoke", data={"token": "t"})
    assert r.status_code != 429
    assert r.headers[REMAINING] == "0"
    r = client.post("/v2/auth/oauth2/token", data=guess)
    assert r.status_code == 429
    assert r.json()["error"] == "invalid_request"
    assert r.headers["Cache-Control"] == "no-store"
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_rate_limit_off_switches_every_limit_off(
    limited: Callable[..., TestClient], settings: Settings
) -> None:
    client = limited(rate_limit=False, rate_limit_api_key="1/minute")
    callers = seed_callers(client, settings)
    for _ in range(5):
        r = client.get("/v2/me", headers=_bearer(callers.api_key))
        assert r.status_code == 200
        assert LIMIT not in r.headers
    env = {
        "CALGATE_RATE_LIMIT": "off",
        "CALGATE_GATEWAY_RATE_LIMIT": "5/second",
        "CALGATE_SECRET_KEY": "s",
    }
    assert GatewaySettings.from_env(Settings.from_env(env), env).rate_limit is None


def test_settings_from_the_environment() -> None:
    env = {
        "CALGATE_RATE_LIMIT": "on",
        "CALGATE_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379/0",
        "CALGATE_RATE_LIMIT_PREFIX": "shared",
        "CALGATE_RATE_LIMIT_API_KEY": "60",
        "CALGATE_RATE_LIMIT_ACCESS_TOKEN": "1000/hour",
        "CALGATE_RATE_LIMIT_ANONYMOUS": "off",
        "CALGATE_MAX_BODY_BYTES": "2048",
        "CALGATE_MAX_JSON_DEPTH": "32",
    }
    settings = Settings.from_env(env)
    assert settings.rate_limit is True
    assert settings.rate_limit_storage == "redis://127.0.0.1:6379/0"
    assert settings.rate_limit_prefix == "shared"
    assert (settings.max_body_bytes, settings.max_json_depth) == (2048, 32)
    api_key = parse_rate(settings.rate_limit_api_key)
    assert api_key is not None
    assert (api_key.amount, api_key.get_expiry()) == (60, 60)
    token = parse_rate(settings.rate_limit_access_token)
    assert token is not None
    assert (token.amount, token.get_expiry()) == (1000, 3600)
    assert parse_rate(settings.rate_limit_anonymous) is None
    defaults = Settings.from_env({})
    assert defaults.rate_limit is True
    assert defaults.rate_limit_storage == "memory://"
    assert [
        parse_rate(v).amount  # type: ignore[union-attr]
        for v in (
            defaults.rate_limit_api_key,
            defaults.rate_limit_access_token,
            defaults.rate_limit_anonymous,
        )
    ] == [120, 500, 120]
    assert Settings.from_env({"CALGATE_RATE_LIMIT": "off"}).rate_limit is False


def test_bad_limit_settings_fail_at_start(settings: Settings) -> None:
    from dataclasses import replace

    from calgate.app import create_app

    with pytest.raises(ValueError, match="rate limit"):
        create_app(replace(settings, rate_limit_api_key="lots"))
    with pytest.raises(ValueError, match="storage"):
        create_app(replace(settings, rate_limit_storage="memcached://x"))


def test_adding_people_to_a_booking_has_its_own_limit(
    limited: Callable[..., TestClient], settings: Settings
) -> None:
    """Cal.com throttles adding attendees and guests per caller, on top of the caller's own
    limit: the sixth addition within a minute is a 429, other calls of the key go on."""
    client = limited(rate_limit_add_people="5/minute")
    callers = seed_callers(client, settings)
    key = _bearer(callers.api_key)
    created = client.post(
        "/v2/event-types",
        headers={**key, "cal-api-version": "2024-06-14"},
        json={"title": "Chat", "slug": "chat", "lengthInMinutes": 30},
    )
    assert created.status_code == 201, created.text
    et_id = created.json()["data"]["id"]
    slots = client.get(
        "/v2/slots",
        headers={**key, "cal-api-version": "2024-09-04"},
        params={"eventTypeId": et_id, "start": "2030-01-07", "end": "2030-01-11"},
    ).json()["data"]
    start = next(s["start"] for day in sorted(slots) for s in slots[day])
    v2 = {**key, "cal-api-version": "2024-08-13"}
    booked = client.post(
        "/v2/bookings",
        headers=v2,
        json={
            "start": start,
            "eventTypeId": et_id,
            "attendee": {"name": "Ana", "email": "ana@example.com", "timeZone": "UTC"},
        },
    )
    assert booked.status_code == 201, booked.text
    uid = booked.json()["data"]["uid"]
    for n in range(5):
        r = client.post(
            f"/v2/bookings/{uid}/guests", headers=v2, json={"guests": [{"email": f"g{n}@x.org"}]}
        )
        assert r.status_code == 200, r.text
    r = client.post(
        f"/v2/bookings/{uid}/guests", headers=v2, json={"guests": [{"email": "g@x.org"}]}
    )
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "ThrottlerException"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # The same key's other calls are not held back, and another key adds people freely.
    assert client.get(f"/v2/bookings/{uid}", headers=v2).status_code == 200
    other = {**_bearer(callers.other_api_key), "cal-api-version": "2024-08-13"}
    r = client.post(
        f"/v2/bookings/{uid}/attendees",
        headers=other,
        json={"name": "Bo", "email": "bo@example.com", "timeZone": "UTC"},
    )
    assert r.status_code == 201, r.text

"""The request-body guard (issue 12, defects 1 and 4): bodies that are not Unicode text, hold
NUL, nest too deep or carry oversized integers are refused with 400 before anything is stored."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from tests.robustness.conftest import row_counts

V_EVENT_TYPES = {"cal-api-version": "2024-06-14"}
JSON = {"Content-Type": "application/json"}
TOKEN = "/v2/auth/oauth2/token"
REVOKE = "/v2/auth/oauth2/revoke"


def _slot() -> str:
    """A Monday 10:00 New York (inside the default working hours) at least two weeks ahead."""
    earliest = datetime.now(UTC).date() + timedelta(days=14)
    day: date = earliest + timedelta(days=(7 - earliest.weekday()) % 7)
    start = datetime.combine(day, time(10, 0), ZoneInfo("America/New_York"))
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event_type(client: TestClient, headers: dict[str, str]) -> int:
    body = {"title": "Intro", "slug": f"intro-{uuid.uuid4().hex[:8]}", "lengthInMinutes": 30}
    r = client.post("/v2/event-types", headers={**headers, **V_EVENT_TYPES}, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def _booking_text(event_type_id: int, start: str, metadata: str, extra_response: str) -> str:
    # Written by hand: json.dumps would never produce the escapes under test.
    return (
        f'{{"eventTypeId": {event_type_id}, "start": "{start}", "timeZone": "America/New_York",'
        f' "language": "en", "metadata": {{"note": "{metadata}"}},'
        ' "responses": {"name": "Guest", "email": "guest@example.com",'
        f' "notes": "{extra_response}"}}}}'
    )


def _assert_envelope_400(r: Any) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "BadRequestException"
    assert body["error"]["message"]


@pytest.mark.parametrize(
    ("metadata", "response"),
    [("\\ud800", "fine"), ("fine", "\\ud800"), ("\\udfff", "fine"), ("a\\ud800b", "fine")],
)
def test_lone_surrogate_in_a_booking_is_refused_and_nothing_is_stored(
    client: TestClient, make_account: Any, db_url: str, metadata: str, response: str
) -> None:
    host = make_account()
    event_type_id = _event_type(client, host.headers)
    start = _slot()
    before = row_counts(db_url)
    body = _booking_text(event_type_id, start, metadata, response)
    r = client.post("/v2/bookings", content=body.encode(), headers=JSON)
    _assert_envelope_400(r)
    assert "surrogate" in r.json()["error"]["message"]
    assert row_counts(db_url) == before
    # The host's reads keep working, and the same slot is still free for a clean body.
    assert client.get("/v2/bookings", headers=host.headers).status_code == 200
    clean = _booking_text(event_type_id, start, "fine", "fine")
    created = client.post("/v2/bookings", content=clean.encode(), headers=JSON)
    assert created.status_code == 201, created.text
    listed = client.get("/v2/bookings", headers=host.headers)
    assert listed.status_code == 200
    uid = created.json()["data"]["uid"]
    assert client.get(f"/v2/bookings/{uid}").status_code == 200


def test_a_surrogate_pair_is_text_and_is_kept(client: TestClient, make_account: Any) -> None:
    host = make_account()
    event_type_id = _event_type(client, host.headers)
    body = _booking_text(event_type_id, _slot(), "\\ud83d\\ude00", "fine")
    r = client.post("/v2/bookings", content=body.encode(), headers=JSON)
    assert r.status_code == 201, r.text
    got = client.get(f"/v2/bookings/{r.json()['data']['uid']}")
    assert got.status_code == 200
    assert "\U0001f600" in json.dumps(got.json(), ensure_ascii=False)


@pytest.mark.parametrize(
    "field",
    [
        '"eventName": "x\\ud800"',
        '"successRedirectUrl": "https://example.com/\\ud800"',
        '"metadata": {"k": "\\udc00"}',
        '"locations": [{"type": "address", "address": "\\ud800 Main St"}]',
        '"description": "\\u0000"',
    ],
)
def test_event_type_fields_refuse_lone_surrogates_and_nul(
    client: TestClient, make_account: Any, db_url: str, field: str
) -> None:
    host = make_account()
    before = row_counts(db_url)
    slug = f"et-{uuid.uuid4().hex[:8]}"
    body = f'{{"title": "T", "slug": "{slug}", "lengthInMinutes": 30, {field}}}'
    for version in ({}, V_EVENT_TYPES):
        r = client.post(
            "/v2/event-types", content=body.encode(), headers={**host.headers, **JSON, **version}
        )
        _assert_envelope_400(r)
    assert row_counts(db_url) == before
    public = client.get(f"/v2/event-types?username={host.username}")
    assert public.status_code == 200


def test_booking_field_label_with_a_surrogate_is_refused(
    client: TestClient, make_account: Any, db_url: str
) -> None:
    host = make_account()
    event_type_id = _event_type(client, host.headers)
    before = row_counts(db_url)
    body = (
        '{"bookingFields": [{"type": "text", "slug": "company", "label": "\\ud800",'
        ' "required": false}]}'
    )
    r = client.patch(
        f"/v2/event-types/{event_type_id}",
        content=body.encode(),
        headers={**host.headers, **JSON, **V_EVENT_TYPES},
    )
    _assert_envelope_400(r)
    assert row_counts(db_url) == before
    assert client.get(f"/v2/event-types?username={host.username}").status_code == 200


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_bodies_with_nul_are_refused(
    client: TestClient, make_account: Any, db_url: str, encoding: str
) -> None:
    host = make_account()
    event_type_id = _event_type(client, host.headers)
    before = row_counts(db_url)
    body = _booking_text(event_type_id, _slot(), "x\x00y", "fine").encode(encoding)
    _assert_envelope_400(client.post("/v2/bookings", content=body, headers=JSON))
    token = '{"grant_type": "refresh_token", "client_id": "a\x00", "refresh_token": "x"}'
    r = client.post(TOKEN, content=token.encode(encoding), headers=JSON)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert row_counts(db_url) == before


def test_a_valid_utf16_body_is_passed_on_unchanged(client: TestClient, make_account: Any) -> None:
    host = make_account()
    body = json.dumps({"name": "Héllo 😀", "timeZone": "Europe/Paris", "isDefault": False})
    r = client.post(
        "/v2/schedules", content=body.encode("utf-16"), headers={**host.headers, **JSON}
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["name"] == "Héllo 😀"


def test_lone_surrogate_in_utf16_is_refused(client: TestClient, make_account: Any) -> None:
    host = make_account()
    # A lone high surrogate as raw UTF-16 code units (no escape): not decodable text.
    raw = '{"name": "'.encode("utf-16-le") + b"\x00\xd8" + '"}'.encode("utf-16-le")
    r = client.post("/v2/schedules", content=raw, headers={**host.headers, **JSON})
    _assert_envelope_400(r)


@pytest.mark.parametrize("path", [TOKEN, REVOKE])
def test_a_100k_deep_array_at_the_oauth_endpoints(
    client: TestClient, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for body, headers in ((deep, JSON), (b'{"client_id": ' + deep + b"}", {})):
        with caplog.at_level(logging.INFO):
            caplog.clear()
            r = client.post(path, content=body, headers=headers)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_request"
        assert "deeper" in r.json()["error_description"]
        # One log line, no traceback.
        records = [rec for rec in caplog.records if rec.name.startswith("calgate")]
        assert len(records) == 1
        assert records[0].exc_info is None


def test_deep_nesting_with_nul_gives_400_and_one_log_line(
    client: TestClient, make_account: Any, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    host = make_account()
    before = row_counts(db_url)
    for depth in (900, 60):
        nested = "[" * depth + '"\\u0000"' + "]" * depth
        body = '{"name": "x", "timeZone": "UTC", "metadata": ' + nested + "}"
        with caplog.at_level(logging.INFO):
            caplog.clear()
            r = client.post(
                "/v2/schedules", content=body.encode(), headers={**host.headers, **JSON}
            )
        _assert_envelope_400(r)
        records = [rec for rec in caplog.records if rec.name.startswith("calgate")]
        assert len(records) == 1
        assert records[0].exc_info is None
        assert len(r.content) < 1000
    assert row_counts(db_url) == before


@pytest.mark.parametrize("digits", [4301, 50_000])
def test_a_huge_integer_is_refused(
    client: TestClient, make_account: Any, db_url: str, digits: int
) -> None:
    host = make_account()
    before = row_counts(db_url)
    huge = "9" * digits
    booking = '{"eventTypeId": ' + huge + f', "start": "{_slot()}", "attendee": {{}}}}'
    _assert_envelope_400(client.post("/v2/bookings", content=booking.encode(), headers=JSON))
    patch = '{"weekStart": "Monday", "defaultScheduleId": -' + huge + "}"
    _assert_envelope_400(
        client.patch("/v2/me", content=patch.encode(), headers={**host.headers, **JSON})
    )
    r = client.post(TOKEN, content=('{"client_id": ' + huge + "}").encode(), headers=JSON)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert row_counts(db_url) == before


def test_long_numbers_that_are_not_integers_pass_the_guard(client: TestClient) -> None:
    # Python's digit limit applies to int() only; the guard leaves the rest to validation.
    r = client.post(TOKEN, content=('{"client_id": 1.' + "1" * 5000 + "}").encode(), headers=JSON)
    assert r.status_code in (400, 401)
    assert "digits" not in r.text


@pytest.mark.parametrize(
    "body",
    [b"grant_type=refresh_token&client_id=a%00b", b"client_id=\x00", b"client_id=%ff", b"a=\xfe"],
)
@pytest.mark.parametrize("path", [TOKEN, REVOKE])
def test_form_bodies_with_nul_or_bad_utf8_at_the_oauth_endpoints(
    client: TestClient, path: str, body: bytes
) -> None:
    r = client.post(
        path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert r.headers["cache-control"] == "no-store"


def test_the_body_limit_is_a_413_in_the_envelope(settings: Settings) -> None:
    app = create_app(Settings(**{**settings.__dict__, "max_body_bytes": 1000}))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/v2/bookings", content=b"{" + b" " * 1000 + b"}", headers=JSON)
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "PayloadTooLargeException"
        # Also without a declared length (chunked).
        r = client.post("/v2/bookings", content=iter([b"{", b" " * 600, b" " * 600, b"}"]))
        assert r.status_code == 413
        r = client.post(TOKEN, content=b"x" * 2000)
        assert r.status_code == 413
        assert r.json()["error"] == "invalid_request"
        # At the limit the body reaches the app.
        r = client.post("/v2/bookings", content=b"{" + b" " * 998 + b"}", headers=JSON)
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "BadRequestException"


def test_the_gateway_proxy_is_not_subject_to_the_guard(settings: Settings) -> None:
    # The proxy forwards bytes and has its own (10 MiB) limit: neither the app's body limit nor
    # the JSON checks apply. Without a gateway key the answer is the proxy's own 401.
    app = create_app(Settings(**{**settings.__dict__, "max_body_bytes": 100}))
    with TestClient(app, raise_server_exceptions=False) as client:
        for body in (b"x" * 1000, b'{"a": "\\ud800\\u0000"}', b"[" * 10_000):
            r = client.post("/cal-com/v2/bookings", content=body, headers=JSON)
            assert r.status_code == 401, r.text
        assert client.post("/v2/bookings", content=b"x" * 1000).status_code == 413

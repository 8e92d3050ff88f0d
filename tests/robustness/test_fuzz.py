"""Fuzz every write route with non-text bodies and crafted JSON: never a 5xx, never a stored row.

The routes are enumerated from the app itself, so a new write route is fuzzed without a change
here. Each crafted body carries at least one poison the body guard must refuse (a lone
surrogate or NUL escape, raw NUL, nesting past the bound, an integer past Python's digit limit)
in whatever UTF the JSON arrived in; arbitrary bytes go in under every content type.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.robustness.conftest import row_counts

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_PARAM = re.compile(r"\{([^}:]+)(:path)?\}")


def write_routes(app: Any) -> list[tuple[str, str]]:
    """(method, concrete path) for every write route the app serves."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        methods: set[str] = getattr(context.original_route, "methods", None) or set()
        # Ids nobody has: a route that ignores its body must not touch the seeded rows.
        path = _PARAM.sub(lambda m: "v2/me" if m.group(2) else "999999", context.path)
        found.update((method, path) for method in methods & WRITES)
    return sorted(found)


POISONS = [
    '"\\ud800"',
    '"tail \\udfff"',
    '"\\ud83d no pair"',
    '"\\ud83d\\u0041"',
    '"\\u0000"',
    '"x\\u0000y"',
    "9" * 4301,
    "-" + "1" * 5000,
    "[" * 100_000 + "]" * 100_000,
    "[" * 70 + '"\\u0000"' + "]" * 70,
    '{"a": ' * 80 + "1" + "}" * 80,
]
FIELDS = [
    "metadata",
    "responses",
    "title",
    "name",
    "eventName",
    "description",
    "locations",
    "bookingFields",
    "subscriberUrl",
    "token",
    "client_id",
    "app",
    "url",
    "timeZone",
    "start",
]
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/vnd.api+json",
    "text/plain",
    None,
]


@st.composite
def crafted_json(draw: st.DrawFn) -> bytes:
    poison = draw(st.sampled_from(POISONS))
    field = draw(st.sampled_from(FIELDS))
    shape = draw(st.sampled_from(["value", "nested", "list", "key", "raw-nul"]))
    if shape == "value":
        text = f'{{"{field}": {poison}}}'
    elif shape == "nested":
        text = f'{{"title": "ok", "{field}": {{"inner": [1, {poison}]}}}}'
    elif shape == "list":
        text = f"[{poison}]"
    elif shape == "key":
        text = '{"\\ud800": 1, "%s": "x\\u0000"}' % field  # noqa: UP031 - braces are JSON
    else:
        text = f'{{"{field}": "a\x00b", "n": {poison}}}'
    return text.encode(draw(st.sampled_from(ENCODINGS)))


@pytest.fixture
def fuzz_target(client: TestClient, make_account: Any, db_url: str) -> dict[str, Any]:
    account = make_account()
    return {
        "routes": write_routes(client.app),
        "auth": [{}, account.headers],
        "baseline": row_counts(db_url),
    }


def _send(client: TestClient, method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.request(method, path, content=body, headers=headers)


def _check(
    client: TestClient,
    target: dict[str, Any],
    db_url: str,
    route: int,
    body: bytes,
    content_type: str | None,
    auth: int,
) -> None:
    method, path = target["routes"][route % len(target["routes"])]
    headers = dict(target["auth"][auth])
    if content_type is not None:
        headers["Content-Type"] = content_type
    r = _send(client, method, path, body, headers)
    assert r.status_code < 500, (method, path, r.status_code, r.text[:300])
    assert row_counts(db_url) == target["baseline"], (method, path, r.status_code)


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_the_write_routes_are_found(client: TestClient) -> None:
    routes = write_routes(client.app)
    for expected in [
        ("POST", "/v2/bookings"),
        ("POST", "/v2/event-types"),
        ("PATCH", "/v2/me"),
        ("POST", "/v2/auth/oauth2/token"),
        ("POST", "/v2/auth/oauth2/revoke"),
        ("POST", "/connections"),
    ]:
        assert expected in routes


@FUZZ
@given(
    route=st.integers(min_value=0, max_value=10_000),
    body=crafted_json(),
    content_type=st.sampled_from(CONTENT_TYPES),
    auth=st.integers(min_value=0, max_value=1),
)
def test_crafted_json_is_refused_everywhere(
    client: TestClient,
    fuzz_target: dict[str, Any],
    db_url: str,
    route: int,
    body: bytes,
    content_type: str | None,
    auth: int,
) -> None:
    _check(client, fuzz_target, db_url, route, body, content_type, auth)


@FUZZ
@given(
    route=st.integers(min_value=0, max_value=10_000),
    body=st.binary(min_size=1, max_size=4096),
    content_type=st.sampled_from(
        [*CONTENT_TYPES, "application/x-www-form-urlencoded", "multipart/form-data"]
    ),
    auth=st.integers(min_value=0, max_value=1),
)
def test_non_text_bodies_never_fail_a_write_route(
    client: TestClient,
    fuzz_target: dict[str, Any],
    db_url: str,
    route: int,
    body: bytes,
    content_type: str | None,
    auth: int,
) -> None:
    _check(client, fuzz_target, db_url, route, body, content_type, auth)

"""Schemathesis on the control API with a valid gateway key: junk input never becomes a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from calgate.app import create_app
from calgate.config import Settings
from tests.gateway.conftest import Harness


def _operations() -> list[Any]:
    spec = create_app(Settings(database_url="sqlite:///unused.db", secret_key="x")).openapi()
    loaded = schemathesis.openapi.from_dict(spec)
    ops = [result.ok() for result in loaded.get_all_operations()]
    return [op for op in ops if op.path.startswith(("/connections", "/gateway-key"))]


OPERATIONS = _operations()


def test_control_api_is_in_the_schema() -> None:
    assert {(op.method.upper(), op.path) for op in OPERATIONS} == {
        ("GET", "/connections"),
        ("POST", "/connections"),
        ("GET", "/connections/{connection_id}"),
        ("DELETE", "/connections/{connection_id}"),
        ("POST", "/connections/{connection_id}/reconnect"),
        ("GET", "/gateway-key/events"),
        ("PUT", "/gateway-key/events"),
        ("DELETE", "/gateway-key/events"),
    }


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_server_errors_with_gateway_key(operation: Any, gw: Harness) -> None:
    key = gw.make_key()
    gw.connect(key)  # so list/get/delete have a real row around
    headers = {"Authorization": f"Bearer {key}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        merged = {**(case.headers or {}), **headers}
        case.call_and_validate(base_url=gw.url, headers=merged, checks=[not_a_server_error])

    run()

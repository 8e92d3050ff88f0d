"""Schemathesis against our own OpenAPI document: no input may produce a 5xx."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from calgate.app import create_app
from calgate.config import Settings
from tests.support.accounts import seed_account


def _operations() -> list[Any]:
    # The schema does not depend on settings; build it once to parametrize over operations.
    spec = create_app(Settings(database_url="sqlite:///unused.db", secret_key="x")).openapi()
    loaded = schemathesis.openapi.from_dict(spec)
    return [result.ok() for result in loaded.get_all_operations()]


OPERATIONS = _operations()


@pytest.fixture
def fuzz_target(settings: Settings, live_url: str) -> tuple[str, dict[str, str]]:
    key = seed_account(
        settings.database_url,
        settings.secret_key,
        email="fuzz@example.com",
        password="pw-fuzz-123",
        name="Fuzz",
        time_zone="Europe/Berlin",
        username="fuzz",
    ).key
    # A couple of real resources so id-based paths can hit existing rows.
    headers = {"Authorization": f"Bearer {key}"}
    httpx2.post(
        f"{live_url}/v2/event-types",
        headers=headers,
        json={"title": "F", "slug": "f", "length": 30},
    )
    return live_url, headers


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_server_errors(operation: Any, fuzz_target: tuple[str, dict[str, str]]) -> None:
    base_url, headers = fuzz_target

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        merged = {**(case.headers or {}), **headers}
        case.call_and_validate(base_url=base_url, headers=merged, checks=[not_a_server_error])

    run()

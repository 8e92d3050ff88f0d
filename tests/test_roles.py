"""`calgate serve --role`: each role serves only its side of the system."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from tests.conftest import TEST_SECRET

# A path of each side, and the status it answers without credentials when it is served.
SCHEDULER = {"/v2/me": 401, "/auth/oauth2/authorize": 400}
GATEWAY = {"/connections": 401, "/cal-com/v2/me": 401}


@pytest.mark.parametrize(
    ("role", "served", "absent"),
    [
        ("all", {**SCHEDULER, **GATEWAY}, {}),
        ("scheduler", SCHEDULER, GATEWAY),
        ("gateway", GATEWAY, SCHEDULER),
    ],
)
def test_role_serves_its_side_only(
    db_url: str, role: str, served: dict[str, int], absent: dict[str, int]
) -> None:
    app = create_app(Settings(database_url=db_url, secret_key=TEST_SECRET, role=role))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        for path, status in served.items():
            assert client.get(path).status_code == status, path
        for path in absent:
            assert client.get(path).status_code == 404, path


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError, match="role must be one of"):
        Settings(role="everything")

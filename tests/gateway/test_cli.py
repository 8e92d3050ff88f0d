"""`calgate admin create-gateway-key`: printed once, stored as a digest, usable at once."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from calgate.store.db import sync_url
from tests.cli.test_admin import run
from tests.gateway.conftest import Harness


def test_create_gateway_key_json(gw: Harness) -> None:
    r = run(gw.settings.database_url, "admin", "create-gateway-key", "--name", "agent", "--json")
    assert r.returncode == 0, r.stderr
    payload = json.loads(r.stdout)
    assert set(payload) == {"key", "id", "name"}
    assert payload["name"] == "agent"
    engine = create_engine(sync_url(gw.settings.database_url))
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash, key_prefix FROM gateway_keys")).all()
    engine.dispose()
    assert len(stored) == 1
    assert stored[0][0] != payload["key"]
    assert len(stored[0][0]) == 64
    with gw.client(payload["key"]) as http:
        assert http.get("/connections").json() == {"connections": []}

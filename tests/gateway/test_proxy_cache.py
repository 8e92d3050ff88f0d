"""The proxy's short-lived lookup cache never outlives what it promises.

Changes made by this process void it at once (covered with deletes in test_proxy); a change
made elsewhere (another worker, an operator's SQL) is seen once the route TTL has passed.
"""

from __future__ import annotations

from typing import Any

import pytest

from calgate.gateway import cache
from tests.gateway.conftest import Harness


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(cache, "time", fake)
    return fake


def test_change_by_another_process_is_seen_after_the_ttl(gw: Harness, clock: Any) -> None:
    key = gw.make_key()
    conn = gw.connect(key)
    with gw.client(key) as http:
        assert http.get("/cal-com/v2/me").status_code == 200
        # Another process marks the connection FAILED; this one hasn't heard.
        gw.update_connection(conn, status="FAILED", status_reason="revoked elsewhere")
        clock.now += cache.ROUTE_TTL_S + 0.1
        after = http.get("/cal-com/v2/me")
        assert after.status_code == 400
        assert "POST /connections" in after.json()["error"]["message"]


def test_cache_is_keyed_by_key_and_selector(gw: Harness, clock: Any) -> None:
    alice_key, bob_key = gw.make_key("a"), gw.make_key("b")
    gw.connect(alice_key, user="alice")
    bob_conn = gw.connect(bob_key, user="bob")
    with gw.client(alice_key) as alice, gw.client(bob_key) as bob:
        assert alice.get("/cal-com/v2/me").json()["data"]["user"] == "alice"
        assert bob.get("/cal-com/v2/me").json()["data"]["user"] == "bob"
        # Alice naming Bob's connection is refused even right after Bob's call was cached.
        stolen = alice.get("/cal-com/v2/me", headers={"Maton-Connection": bob_conn})
        assert stolen.status_code == 400
    with gw.client("cgw_" + "0" * 64) as nobody:
        assert nobody.get("/cal-com/v2/me").status_code == 401

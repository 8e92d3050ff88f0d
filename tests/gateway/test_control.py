"""Control API: the skill document's JSON shapes, key authentication and key isolation."""

from __future__ import annotations

import re

from tests.gateway.conftest import Harness

WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_create_get_list_delete_shapes(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        created = http.post("/connections", json={"app": "cal-com"})
        assert created.status_code == 200
        conn = created.json()["connection"]
        assert set(conn) == {
            "connection_id",
            "status",
            "creation_time",
            "last_updated_time",
            "url",
            "app",
            "metadata",
        }
        assert conn["status"] == "PENDING"
        assert conn["app"] == "cal-com"
        assert conn["metadata"] == {}
        assert WIRE_TIME.match(conn["creation_time"])
        assert WIRE_TIME.match(conn["last_updated_time"])
        assert conn["url"].startswith(f"{gw.url}/connect?session_token=")

        got = http.get(f"/connections/{conn['connection_id']}")
        assert got.status_code == 200
        assert got.json() == {"connection": conn}

        assert http.get("/connections").json() == {"connections": [conn]}
        assert http.get("/connections?app=cal-com&status=PENDING").json()["connections"] == [conn]
        assert http.get("/connections?app=cal-com&status=ACTIVE").json() == {"connections": []}
        assert http.get("/connections?app=other").json() == {"connections": []}

        deleted = http.delete(f"/connections/{conn['connection_id']}")
        assert deleted.status_code == 200
        assert deleted.json()["connection"]["connection_id"] == conn["connection_id"]
        assert http.get(f"/connections/{conn['connection_id']}").status_code == 404
        assert http.get("/connections").json() == {"connections": []}


def test_active_listing_after_connect(gw: Harness) -> None:
    key = gw.make_key()
    connection_id = gw.connect(key)
    with gw.client(key) as http:
        listed = http.get("/connections", params={"app": "cal-com", "status": "ACTIVE"}).json()
    assert [c["connection_id"] for c in listed["connections"]] == [connection_id]
    assert listed["connections"][0]["status"] == "ACTIVE"


def test_gateway_key_required(gw: Harness) -> None:
    with gw.client() as http:
        for method, path in [
            ("GET", "/connections"),
            ("POST", "/connections"),
            ("GET", "/connections/x"),
            ("DELETE", "/connections/x"),
            ("GET", "/cal-com/v2/me"),
        ]:
            missing = http.request(method, path)
            assert missing.status_code == 401, (method, path)
            assert missing.json()["error"]["code"] == "UnauthorizedException"
            bad = http.request(method, path, headers={"Authorization": "Bearer cgw_nope"})
            assert bad.status_code == 401
            assert bad.json()["error"]["message"] == "Invalid gateway key"


def test_key_isolation(gw: Harness) -> None:
    alice_key, bob_key = gw.make_key("a"), gw.make_key("b")
    alice_conn = gw.connect(alice_key)
    with gw.client(bob_key) as bob:
        assert bob.get(f"/connections/{alice_conn}").status_code == 404
        assert bob.delete(f"/connections/{alice_conn}").status_code == 404
        assert bob.get("/connections").json() == {"connections": []}
        proxied = bob.get("/cal-com/v2/me", headers={"Maton-Connection": alice_conn})
        assert proxied.status_code == 400
        assert bob.get("/cal-com/v2/me").status_code == 400
    with gw.client(alice_key) as alice:
        assert alice.get(f"/connections/{alice_conn}").json()["connection"]["status"] == "ACTIVE"
        assert alice.get("/cal-com/v2/me").status_code == 200


def test_junk_input_is_a_4xx(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        assert http.post("/connections", json={"app": "nope"}).status_code == 400
        assert http.post("/connections", json={}).status_code == 400
        assert http.post("/connections", content=b"{not json").status_code == 400
        assert http.post("/connections", json=[1, 2]).status_code == 400
        assert http.post("/connections", json={"app": "a\x00b"}).status_code == 400
        assert http.get("/connections?status=BOGUS").status_code == 400
        assert http.get("/connections?app=%00").status_code == 400
        assert http.get("/connections/not-a-uuid").status_code == 404
        assert http.get("/connections/00000000-0000-0000-0000-000000000000").status_code == 404

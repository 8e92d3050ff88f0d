"""Connect flow: session link -> provider authorize (state + PKCE) -> callback -> ACTIVE."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.gateway.conftest import Harness


def test_connect_flow_redirects_with_pkce_and_activates(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        conn = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        first = http.get(conn["url"])
        assert first.status_code == 302
        target = urlsplit(first.headers["location"])
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"{gw.fake.url}/oauth/authorize"
        q = {k: v[0] for k, v in parse_qs(target.query).items()}
        assert q["client_id"] == "gw-client"
        assert q["redirect_uri"] == f"{gw.url}/connect/callback"
        assert q["code_challenge_method"] == "S256"
        assert len(q["code_challenge"]) == 43
        assert len(q["state"]) >= 32
        assert q["scope"] == "PROFILE_READ BOOKING_READ"

        done = http.get(first.headers["location"], follow_redirects=True)
        assert done.status_code == 200
        assert "<h1>Connected to cal-com</h1>" in done.text
        assert 'lang="en"' in done.text
        assert 'role="status"' in done.text

        got = http.get(f"/connections/{conn['connection_id']}").json()["connection"]
        assert got["status"] == "ACTIVE"
        assert gw.fake.code_calls == 1

        # The session token is single use.
        again = http.get(conn["url"])
        assert again.status_code == 410
        assert http.get("/cal-com/v2/me").json()["data"]["user"] == "alice"


def test_denied_authorization_marks_failed(gw: Harness) -> None:
    key = gw.make_key()
    gw.fake.deny = True
    with gw.client(key) as http:
        conn = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        page = http.get(conn["url"], follow_redirects=True)
        assert page.status_code == 400
        assert "access_denied" in page.text
        assert 'role="alert"' in page.text
        got = http.get(f"/connections/{conn['connection_id']}").json()["connection"]
    assert got["status"] == "FAILED"
    assert got["metadata"]["error"] == "access_denied"
    assert "access_denied" in got["status_reason"]


def test_callback_with_unknown_state_or_replay(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        assert http.get("/connect/callback?code=x&state=nope").status_code == 400
        assert http.get("/connect/callback").status_code == 400
        assert http.get("/connect").status_code == 400
        assert http.get("/connect?session_token=bogus").status_code == 404
        conn = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        authorize = http.get(conn["url"]).headers["location"]
        callback = http.get(authorize).headers["location"]
        assert http.get(callback).status_code == 200
        replay = http.get(callback)
        assert replay.status_code == 400
        got = http.get(f"/connections/{conn['connection_id']}").json()["connection"]
    assert got["status"] == "ACTIVE"


def test_code_exchange_rejected_marks_failed(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        conn = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        authorize = http.get(conn["url"]).headers["location"]
        callback = http.get(authorize).headers["location"]
        gw.fake.codes.clear()  # the code is no longer valid at the provider
        page = http.get(callback)
        assert page.status_code == 502
        got = http.get(f"/connections/{conn['connection_id']}").json()["connection"]
    assert got["status"] == "FAILED"
    assert got["metadata"]["error"] == "invalid_grant"

"""DELETE /connections/{id} revokes the grant at the provider (RFC 7009) where it can."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx2
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from calgate.gateway import GatewaySettings, Provider
from calgate.gateway import connections as conns
from calgate.security.crypto import Keyring
from calgate.store.db import sync_url
from calgate.store.models import Connection
from tests.gateway.conftest import Harness
from tests.gateway.fake_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider
from tests.support.server import free_port
from tests.support.waiting import wait_until


def _provider(fake: FakeProvider, revoke_url: str | None = None) -> Provider:
    return Provider(
        app="cal-com",
        base_url=f"{fake.url}/api",
        authorize_url=f"{fake.url}/oauth/authorize",
        token_url=f"{fake.url}/oauth/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        revoke_url=f"{fake.url}/oauth/revoke" if revoke_url is None else revoke_url,
    )


def _tokens(gw: Harness, connection_id: str) -> tuple[str | None, str | None]:
    keyring = Keyring(gw.gateway_settings.token_keys)
    engine = create_engine(sync_url(gw.settings.database_url))
    try:
        with Session(engine) as session:
            conn = session.get(Connection, connection_id)
            assert conn is not None
            return conns.tokens_of(keyring, conn)
    finally:
        engine.dispose()


def test_delete_revokes_the_grant_upstream(
    make_gateway: Callable[..., Harness], fake_provider: FakeProvider
) -> None:
    gw = make_gateway(_provider(fake_provider))
    key = gw.make_key()
    conn_id = gw.connect(key)
    refresh, access = _tokens(gw, conn_id)
    assert refresh
    assert access in fake_provider.access
    with gw.client(key) as http:
        deleted = http.delete(f"/connections/{conn_id}")
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["connection"]["connection_id"] == conn_id
        assert http.get(f"/connections/{conn_id}").status_code == 404
    assert fake_provider.revoked == [(refresh, "refresh_token")]
    # The grant is gone at the provider: neither token works there any more.
    assert access not in fake_provider.access
    assert refresh not in fake_provider.refresh


def test_delete_without_a_revocation_endpoint_only_forgets(
    make_gateway: Callable[..., Harness], fake_provider: FakeProvider
) -> None:
    gw = make_gateway(_provider(fake_provider, revoke_url=""))
    key = gw.make_key()
    conn_id = gw.connect(key)
    with gw.client(key) as http:
        assert http.delete(f"/connections/{conn_id}").status_code == 200
        assert http.get(f"/connections/{conn_id}").status_code == 404
    assert fake_provider.revoked == []


def test_delete_succeeds_when_the_revocation_endpoint_is_down(
    make_gateway: Callable[..., Harness], fake_provider: FakeProvider
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/oauth/revoke"
    gw = make_gateway(_provider(fake_provider, revoke_url=dead))
    key = gw.make_key()
    conn_id = gw.connect(key)
    with gw.client(key) as http:
        assert http.delete(f"/connections/{conn_id}").status_code == 200
        assert http.get(f"/connections/{conn_id}").status_code == 404


def test_a_pair_obtained_after_the_delete_is_revoked(
    make_gateway: Callable[..., Harness], fake_provider: FakeProvider
) -> None:
    """A refresh in flight when the connection is deleted: the provider rotates, the gateway
    has nowhere to store the new pair, so it revokes it instead of leaving it live."""
    gw = make_gateway(_provider(fake_provider))
    key = gw.make_key()
    conn_id = gw.connect(key)
    gw.expire(conn_id, datetime.now(UTC) - timedelta(minutes=1))
    fake_provider.refresh_delay = 1.0
    answers: list[httpx2.Response] = []

    def proxied_call() -> None:
        with gw.client(key) as http:
            answers.append(http.get("/cal-com/v2/me"))

    caller = threading.Thread(target=proxied_call)
    caller.start()
    wait_until(lambda: fake_provider.refresh_calls > 0, 10, what="the refresh to start")
    assert fake_provider.refresh_calls == 1
    with gw.client(key) as http:
        assert http.delete(f"/connections/{conn_id}").status_code == 200
    caller.join(timeout=30)
    assert len(answers) == 1
    assert answers[0].status_code == 400, answers[0].text
    assert "deleted" in answers[0].json()["error"]["message"]
    # Two revocations: the pair the DELETE saw, then the pair the refresh brought back.
    new_refresh = fake_provider.issued[-1]
    assert (new_refresh, "refresh_token") in fake_provider.revoked
    assert new_refresh not in fake_provider.refresh
    assert not any(user for user in fake_provider.access.values())


def test_the_built_in_app_revokes_at_the_embedded_server_only(gw: Harness) -> None:
    own = GatewaySettings.from_env(gw.settings, environ={}).providers["cal-com"]
    assert own.revoke_url == gw.settings.public_url + "/v2/auth/oauth2/revoke"
    real = GatewaySettings.from_env(
        gw.settings,
        environ={"CALGATE_CAL_COM_TOKEN_URL": "https://api.cal.com/v2/auth/oauth2/token"},
    ).providers["cal-com"]
    assert real.revoke_url == ""
    told = GatewaySettings.from_env(
        gw.settings,
        environ={
            "CALGATE_CAL_COM_TOKEN_URL": "https://api.cal.com/v2/auth/oauth2/token",
            "CALGATE_CAL_COM_REVOKE_URL": "https://api.example.com/revoke",
        },
    ).providers["cal-com"]
    assert told.revoke_url == "https://api.example.com/revoke"

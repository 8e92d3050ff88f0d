"""Provider configuration: built-in cal-com defaults, env overrides, extra providers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from calgate.config import Settings
from calgate.gateway import GatewaySettings, Provider
from calgate.gateway.config import RateLimit, load_providers
from tests.gateway.conftest import Harness
from tests.gateway.fake_provider import CLIENT_ID, CLIENT_SECRET

BASE = Settings(secret_key="s", public_url="http://gw.example:8000")


@pytest.mark.pure
def test_cal_com_defaults_to_embedded_server() -> None:
    cal = GatewaySettings.from_env(BASE, environ={}).providers["cal-com"]
    assert cal.base_url == "http://gw.example:8000"
    assert cal.authorize_url == "http://gw.example:8000/auth/oauth2/authorize"
    assert cal.token_url == "http://gw.example:8000/v2/auth/oauth2/token"
    assert GatewaySettings.from_env(BASE, environ={}).redirect_uri == (
        "http://gw.example:8000/connect/callback"
    )


@pytest.mark.pure
def test_env_overrides_point_at_real_cal_com() -> None:
    gws = GatewaySettings.from_env(
        BASE,
        environ={
            "CALGATE_CAL_COM_BASE_URL": "https://api.cal.com/",
            "CALGATE_CAL_COM_AUTHORIZE_URL": "https://app.cal.com/auth/oauth2/authorize",
            "CALGATE_CAL_COM_TOKEN_URL": "https://api.cal.com/v2/auth/oauth2/token",
            "CALGATE_CAL_COM_CLIENT_ID": "cid",
            "CALGATE_CAL_COM_CLIENT_SECRET": "csecret",
            "CALGATE_CAL_COM_SCOPES": "BOOKING_READ,PROFILE_READ",
            "CALGATE_GATEWAY_RATE_LIMIT": "10/second",
        },
    )
    cal = gws.providers["cal-com"]
    assert cal.base_url == "https://api.cal.com"
    assert cal.authorize_url == "https://app.cal.com/auth/oauth2/authorize"
    assert (cal.client_id, cal.client_secret) == ("cid", "csecret")
    assert cal.scopes == ("BOOKING_READ", "PROFILE_READ")
    assert gws.rate_limit == RateLimit(10, 1.0)
    assert gws.with_credentials("x", "y").providers["cal-com"].client_id == "x"
    off = GatewaySettings.from_env(BASE, environ={"CALGATE_GATEWAY_RATE_LIMIT": "off"})
    assert off.rate_limit is None
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit.parse("lots")


def test_extra_provider_from_file_gets_its_own_route(
    tmp_path: Path, make_gateway: Callable[..., Harness]
) -> None:
    gw0 = make_gateway()  # only to learn the fake provider's URL
    fake = gw0.fake.url
    path = tmp_path / "providers.json"
    path.write_text(
        json.dumps(
            {
                "providers": [
                    {
                        "app": "acme",
                        "base_url": f"{fake}/api",
                        "authorize_url": f"{fake}/oauth/authorize",
                        "token_url": f"{fake}/oauth/token",
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "scopes": ["READ"],
                    }
                ]
            }
        )
    )
    [acme] = load_providers(path)
    assert acme == Provider(
        "acme", f"{fake}/api", f"{fake}/oauth/authorize", f"{fake}/oauth/token",
        CLIENT_ID, CLIENT_SECRET, ("READ",),
    )  # fmt: skip
    gw = make_gateway(providers={**gw0.gateway_settings.providers, "acme": acme})
    key = gw.make_key()
    with gw.client(key) as http:
        conn = http.post("/connections", json={"app": "acme"}).json()["connection"]
        assert http.get(conn["url"], follow_redirects=True).status_code == 200
        r = http.get("/acme/v1/thing?a=1")
        assert r.status_code == 200
        assert r.json()["data"]["raw_path"] == "/api/v1/thing"
        # cal-com has no connection for this key.
        assert http.get("/cal-com/v2/me").status_code == 400
        assert http.get("/connections?app=acme").json()["connections"][0]["app"] == "acme"

"""`GET /v2/auth/oauth2/clients/{clientId}`: what a consent screen may show, nothing secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.api.test_calcom_document import response_schema, validate
from tests.oauth.conftest import REDIRECT_URI
from tests.support.api import assert_error, assert_ok

PATH = "/v2/auth/oauth2/clients/{clientId}"


def test_public_fields_only(client: TestClient, make_oauth_client: Callable[..., Any]) -> None:
    confidential = make_oauth_client()
    r = client.get(f"/v2/auth/oauth2/clients/{confidential.client_id}")
    data = assert_ok(r)
    validate(r.json(), response_schema(PATH, "get", "200"))
    assert data == {
        "client_id": confidential.client_id,
        "redirect_uri": REDIRECT_URI,
        "name": "Example Agent",
        "logo": None,
        "is_trusted": False,
        "client_type": "CONFIDENTIAL",
    }
    assert confidential.secret not in r.text
    public = make_oauth_client(public=True)
    r = client.get(f"/v2/auth/oauth2/clients/{public.client_id}")
    assert assert_ok(r)["client_type"] == "PUBLIC"


def test_unknown_client_is_a_404_envelope(client: TestClient) -> None:
    assert_error(client.get("/v2/auth/oauth2/clients/nope"), 404, "NotFoundException")
    assert_error(client.get(f"/v2/auth/oauth2/clients/{'x' * 65}"), 400)

"""The login form's failure limits (issue 12, defect 6): per (IP, email) and per IP, so one
password sprayed over many emails is stopped too."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from calgate.config import Settings
from tests.oauth.conftest import REDIRECT_URI as REDIRECT
from tests.oauth.conftest import Client, hidden_fields, start

LOGIN = "/auth/oauth2/login"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, oauth_login_max_failures=5, oauth_login_max_failures_per_ip=3)


def test_one_password_over_many_emails_is_limited_per_ip(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    page = start(client, {"client_id": oauth_client.client_id, "redirect_uri": REDIRECT})
    fields = hidden_fields(page.text)
    for n in range(3):
        r = client.post(LOGIN, data={**fields, "email": f"victim{n}@example.com", "password": "x"})
        assert r.status_code == 401, r.text
    # A fourth email, even a real account with its right password: this address is done.
    account = make_account()
    r = client.post(
        LOGIN, data={**fields, "email": account.email, "password": "correct horse battery"}
    )
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 300
    assert "Too many" in r.text


def test_a_successful_sign_in_clears_only_its_own_count(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    page = start(client, {"client_id": oauth_client.client_id, "redirect_uri": REDIRECT})
    fields = hidden_fields(page.text)
    account = make_account()
    for _ in range(2):
        r = client.post(LOGIN, data={**fields, "email": account.email, "password": "bad"})
        assert r.status_code == 401
    r = client.post(
        LOGIN, data={**fields, "email": account.email, "password": "correct horse battery"}
    )
    assert r.status_code == 200, r.text  # the consent page, after the redirect
    # The IP's two failures still stand: one more anywhere and it is at its limit.
    page = start(client, {"client_id": oauth_client.client_id, "redirect_uri": REDIRECT})
    fields = hidden_fields(page.text)
    r = client.post(LOGIN, data={**fields, "email": "other@example.com", "password": "bad"})
    assert r.status_code == 401
    r = client.post(LOGIN, data={**fields, "email": account.email, "password": "bad"})
    assert r.status_code == 429

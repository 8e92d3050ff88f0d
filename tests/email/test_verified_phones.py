"""Verified phones: codes go out as SMS through a Twilio-compatible endpoint (a loopback HTTP
server here); with none configured the endpoints answer an error, never a fake success."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

import pytest
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from tests.webhooks.receiver import Receiver, receiver

BASE = "/v2/verified-resources/phones"


@pytest.fixture
def sms() -> Iterator[Receiver]:
    with receiver() as rec:
        yield rec


@pytest.fixture
def settings(settings: Settings, sms: Receiver) -> Settings:
    """Every app in these tests (the accounts' one included) sends SMS to the loopback
    provider: any of them may be the one whose loop sends the message."""
    return replace(
        settings,
        sms_url=f"http://127.0.0.1:{sms.port}/2010-04-01/Accounts/AC123/Messages.json",
        sms_account="AC123",
        sms_token="tok",
        sms_from="+15550000000",
        sms_allow_private=True,
    )


def test_phone_code_by_sms_verifies(client: TestClient, make_account: Any, sms: Receiver) -> None:
    acct = make_account()
    r = client.post(
        f"{BASE}/verification-code/request", headers=acct.headers, json={"phone": "+372 5555 6666"}
    )
    assert r.status_code == 200, r.text
    sent = sms.wait_for(1)[0]
    assert sent.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sent.headers["authorization"] == "Basic " + base64.b64encode(b"AC123:tok").decode()
    form = parse_qs(sent.body.decode())
    assert form["To"] == ["+37255556666"]
    assert form["From"] == ["+15550000000"]
    code = re.search(r"\b(\d{6})\b", form["Body"][0])
    assert code

    wrong = f"{(int(code.group(1)) + 1) % 10**6:06d}"
    bad = {"phone": "+37255556666", "code": wrong}
    assert (
        client.post(f"{BASE}/verification-code/verify", headers=acct.headers, json=bad).status_code
        == 400
    )
    good = {"phone": "+37255556666", "code": code.group(1)}
    r = client.post(f"{BASE}/verification-code/verify", headers=acct.headers, json=good)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["phoneNumber"] == "+37255556666"
    assert data["userId"] == acct.id
    assert (
        client.post(f"{BASE}/verification-code/verify", headers=acct.headers, json=good).status_code
        == 400
    )

    assert client.get(BASE, headers=acct.headers).json()["data"] == [data]
    assert client.get(f"{BASE}/{data['id']}", headers=acct.headers).json()["data"] == data
    other = make_account()
    assert client.get(f"{BASE}/{data['id']}", headers=other.headers).status_code == 404
    assert client.get(BASE, headers=other.headers).json()["data"] == []


def test_without_an_sms_provider_phones_answer_an_error(
    settings: Settings, make_account: Any, sms: Receiver
) -> None:
    acct = make_account()
    with TestClient(create_app(replace(settings, sms_url="")), raise_server_exceptions=False) as c:
        r = c.post(
            f"{BASE}/verification-code/request",
            headers=acct.headers,
            json={"phone": "+37255556666"},
        )
    assert r.status_code == 400
    assert r.json()["status"] == "error"
    assert "CALGATE_SMS_URL" in r.json()["error"]["message"]


def test_a_bad_phone_number_is_a_400(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.post(
        f"{BASE}/verification-code/request", headers=acct.headers, json={"phone": "call me"}
    )
    assert r.status_code == 400

"""Pure pieces: signature, templates, SSRF address checks, backoff and Retry-After."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from calgate.config import Settings
from calgate.net import ssrf
from calgate.webhooks import payloads, signing
from calgate.webhooks.delivery import backoff, parse_retry_after


def test_signature_is_hex_hmac_sha256_of_raw_body() -> None:
    body = '{"triggerEvent":"BOOKING_CREATED"}'
    expected = hmac.new(b"secret", body.encode(), hashlib.sha256).hexdigest()
    assert signing.sign("secret", body) == expected
    assert signing.verify("secret", body.encode(), expected)
    assert not signing.verify("other", body.encode(), expected)
    assert signing.sign(None, body) == "no-secret-provided"
    assert signing.sign("", body) == "no-secret-provided"


def test_template_rendering_matches_handlebars_and_cal_com() -> None:
    data = {"x": [{"y": "<&>"}], "raw": "<r>", "n": 3, "flag": True, "obj": {"a": 1}}
    assert payloads.render_template("{{ x.0.y }}|{{{raw}}}|{{n}}|{{flag}}", data) == (
        "&lt;&amp;&gt;|<r>|3|true"
    )
    assert payloads.render_template("{{obj}}|{{missing.deep}}|{{x.9.y}}", data) == (
        "[object Object]||"
    )
    body = payloads.render("BOOKING_CREATED", "t", {"title": "A"}, '{"n": "{{title}}"}')
    assert (body.text, body.content_type) == ('{"n":"A"}', "application/json")
    # Cal.com sends JSON.stringify(false) when a JSON template renders to invalid JSON.
    broken = payloads.render("BOOKING_CREATED", "t", {"title": 'say "hi"'}, '{"n": "{{title}}"}')
    assert broken.text == "false"
    form = payloads.render("BOOKING_CREATED", "t", {"title": "A B"}, "title={{title}}")
    assert (form.text, form.content_type) == ("title=A B", "application/x-www-form-urlencoded")
    default = payloads.render("BOOKING_CREATED", "2026-01-01T00:00:00.000Z", {"a": 1}, None)
    assert default.text == (
        '{"triggerEvent":"BOOKING_CREATED","createdAt":"2026-01-01T00:00:00.000Z","payload":{"a":1}}'
    )


def test_huge_adversarial_template_renders_quickly() -> None:
    out = payloads.render_template("{{" * 30_000 + "x" * 1000, {})
    assert out.startswith("{{")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
    ],
)
def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(ssrf.RefusedTarget):
        asyncio.run(ssrf.resolve(url, allow_private=False))
    assert asyncio.run(ssrf.resolve(url, allow_private=True)).url == url


def test_public_ip_is_pinned_with_host_header() -> None:
    target = asyncio.run(ssrf.resolve("https://8.8.8.8:8443/x?y=1", allow_private=False))
    assert target.url == "https://8.8.8.8:8443/x?y=1"
    assert target.headers == {"Host": "8.8.8.8:8443"}
    assert target.extensions == {"sni_hostname": "8.8.8.8"}


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "http://", "x"])
def test_non_http_urls_are_invalid(url: str) -> None:
    assert not ssrf.valid_subscriber_url(url)
    with pytest.raises(ssrf.RefusedTarget):
        asyncio.run(ssrf.resolve(url, allow_private=True))


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    s = replace(Settings(), webhook_backoff_base=1.0, webhook_backoff_max=30.0)
    for n, full in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0), (500, 30.0)]:
        for _ in range(20):
            assert full * 0.5 <= backoff(s, n) <= full


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_settings_from_env() -> None:
    s = Settings.from_env(
        {
            "CALGATE_WEBHOOK_ALLOW_PRIVATE": "1",
            "CALGATE_WEBHOOK_WORKER": "0",
            "CALGATE_WEBHOOK_MAX_ATTEMPTS": "3",
            "CALGATE_WEBHOOK_BACKOFF_BASE": "0.5",
            "CALGATE_WEBHOOK_POLL_INTERVAL": "0.1",
        }
    )
    assert s.webhook_allow_private is True
    assert s.webhook_worker is False
    assert s.webhook_max_attempts == 3
    assert s.webhook_backoff_base == 0.5
    assert s.webhook_poll_interval == 0.1
    assert Settings.from_env({}).webhook_allow_private is False

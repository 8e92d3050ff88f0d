"""The whole managed-OAuth connect flow in a real browser (Debian's chromium, headless).

create connection -> open its url -> log in -> Allow -> ACTIVE -> GET /cal-com/v2/me is that user.
The server is the all-in-one app on a loopback port: the gateway registers itself at the
embedded authorization server exactly as `calgate serve` does.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest

from calgate.app import create_app
from calgate.config import Settings
from calgate.gateway.keys import create_gateway_key
from calgate.services import users
from calgate.store.db import Database
from tests.conftest import TEST_SECRET
from tests.support.server import free_port, live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EMAIL, PASSWORD = "browser@example.com", "correct horse battery"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it; see .ci/run)",
)


@pytest.fixture
def all_in_one(db_url: str) -> Iterator[tuple[str, str]]:
    """(base URL, gateway key) of an all-in-one server with one user."""

    async def seed() -> str:
        db = Database(db_url)
        try:
            async with db.transaction() as session:
                await users.create_user_in(
                    session, email=EMAIL, password=PASSWORD, name="Browser User", time_zone="UTC"
                )
                return (await create_gateway_key(session, TEST_SECRET, "e2e")).key
        finally:
            await db.dispose()

    # Playwright's sync API keeps an event loop running in this thread; seed from another.
    with ThreadPoolExecutor(1) as pool:
        key = pool.submit(lambda: asyncio.run(seed())).result()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=db_url, secret_key=TEST_SECRET, public_url=base)
    with live_server(create_app(settings), port=port):
        yield base, key


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # As root in a sandboxless container, and with no network beyond loopback.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield b
        finally:
            b.close()


def _connect(browser: Any, url: str, *, decision: str) -> str:
    page = browser.new_page()
    try:
        page.goto(url)
        # The gateway sent us to the provider's authorize page, which asks us to sign in.
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name=decision).click()
        page.wait_for_load_state()
        return str(page.content())
    finally:
        page.close()


def test_connect_in_browser_then_proxy_me(browser: Any, all_in_one: tuple[str, str]) -> None:
    base, key = all_in_one
    auth = {"Authorization": f"Bearer {key}"}
    with httpx2.Client(base_url=base, headers=auth, timeout=30) as http:
        created = http.post("/connections", json={"app": "cal-com"})
        assert created.status_code in (200, 201), created.text
        conn = created.json()["connection"]
        assert conn["status"] == "PENDING"

        final = _connect(browser, conn["url"], decision="Allow")
        assert "connected" in final.lower()

        got = http.get(f"/connections/{conn['connection_id']}").json()["connection"]
        assert got["status"] == "ACTIVE"
        me = http.get("/cal-com/v2/me")
        assert me.status_code == 200, me.text
        assert me.json()["data"]["email"] == EMAIL
        listed = http.get("/connections", params={"app": "cal-com", "status": "ACTIVE"})
        assert [c["connection_id"] for c in listed.json()["connections"]] == [conn["connection_id"]]


def test_deny_in_browser_leaves_connection_failed(
    browser: Any, all_in_one: tuple[str, str]
) -> None:
    base, key = all_in_one
    auth = {"Authorization": f"Bearer {key}"}
    with httpx2.Client(base_url=base, headers=auth, timeout=30) as http:
        conn = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        _connect(browser, conn["url"], decision="Deny")
        got = http.get(f"/connections/{conn['connection_id']}").json()["connection"]
        assert got["status"] == "FAILED"
        assert "access_denied" in (got.get("status_reason") or "")
        proxied = http.get("/cal-com/v2/me")
        assert proxied.status_code == 400
        assert "POST /connections" in proxied.json()["error"]["message"]

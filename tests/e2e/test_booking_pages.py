"""A guest books, reschedules and cancels on the public pages in a real browser (Debian's
chromium, headless), with JavaScript and without.

The host is in New York, the guest's browser in Europe/Paris; the booking falls in the week
after the US clock change (Paris 5 hours ahead), the rescheduled one after Europe's (6 hours).
Each step is checked through the API too. Screenshots go to pytest's tmp dir (paths printed).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from calgate.app import create_app
from calgate.config import Settings
from calgate.services import api_keys, users
from calgate.store.db import Database
from tests.conftest import TEST_SECRET
from tests.support.server import free_port, live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PARIS = "Europe/Paris"
V_BOOKINGS = {"cal-api-version": "2024-08-13"}
V_EVENT_TYPES = {"cal-api-version": "2024-06-14"}

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it; see .ci/run)",
)


def _sunday(year: int, month: int, nth: int) -> date:
    """The nth Sunday of a month; nth=-1: the last."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def dst_march() -> int:
    """The first March far enough ahead to book in (the US changes clocks, then Europe)."""
    soon = datetime.now(UTC).date() + timedelta(days=14)
    return soon.year if soon < _sunday(soon.year, 3, 2) else soon.year + 1


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[str, dict[str, str], str]]:
    """(base URL, the host's auth headers, the event type's bookingUrl)."""

    async def seed() -> str:
        db = Database(db_url)
        try:
            async with db.transaction() as session:
                host = await users.create_user_in(
                    session,
                    email="host@example.com",
                    password="correct horse battery",
                    name="Nora York",
                    time_zone="America/New_York",
                )
                return (await api_keys.create_api_key_in(session, TEST_SECRET, host)).key
        finally:
            await db.dispose()

    # Playwright's sync API keeps an event loop running in this thread; seed from another.
    with ThreadPoolExecutor(1) as pool:
        key = pool.submit(lambda: asyncio.run(seed())).result()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=db_url, secret_key=TEST_SECRET, public_url=base, booker_url=base
    )
    auth = {"Authorization": f"Bearer {key}"}
    with live_server(create_app(settings), port=port):
        created = httpx2.post(
            f"{base}/v2/event-types",
            headers={**auth, **V_EVENT_TYPES},
            json={"title": "Intro call", "slug": "intro", "lengthInMinutes": 30},
        )
        assert created.status_code == 201, created.text
        yield base, auth, created.json()["data"]["bookingUrl"]


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
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


class Shots:
    def __init__(self, page: Any, folder: Path) -> None:
        self.page, self.folder, self.n = page, folder, 0

    def __call__(self, name: str) -> None:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")  # noqa: T201 - the artifact's path, for whoever runs this


def _booking(base: str, auth: dict[str, str], uid: str) -> dict[str, Any]:
    r = httpx2.get(f"{base}/v2/bookings/{uid}", headers={**auth, **V_BOOKINGS})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def _uid(url: str) -> str:
    found = re.search(r"/booking/([^/?]+)", url)
    assert found is not None, url
    return found.group(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_guest_books_reschedules_cancels(
    browser: Any, server: tuple[str, dict[str, str], str], tmp_path: Path, javascript: bool
) -> None:
    base, auth, booking_url = server
    year = dst_march()
    after_us = _sunday(year, 3, 2) + timedelta(days=1)  # Monday: Paris 5 hours ahead
    after_eu = _sunday(year, 3, -1) + timedelta(days=1)  # Monday: Paris 6 hours ahead
    context = browser.new_context(
        timezone_id=PARIS, java_script_enabled=javascript, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    shot = Shots(page, tmp_path)
    try:
        page.goto(booking_url)
        if javascript:
            page.wait_for_url(re.compile(r"tz=Europe%2FParis"))
        else:  # no script to detect the zone: the visitor picks it
            page.get_by_label("Time zone").select_option(PARIS)
            page.get_by_role("button", name="Show times").click()
        page.goto(f"{page.url}&month={year}-03")
        shot("month")

        page.get_by_label(f"Monday March {after_us.day}, free times").click()
        page.get_by_role("heading", name=f"Monday, March {after_us.day}").wait_for()
        first = page.locator("a.slot").first
        assert first.inner_text() == "2:00pm"  # 09:00 in New York
        shot("day")
        first.click()

        page.get_by_label("Your name").fill("Gael Paris")
        page.get_by_label("Email address").fill("gael@example.com")
        page.get_by_label("Additional notes").fill("Bonjour")
        shot("form")
        page.get_by_role("button", name="Confirm booking").click()
        page.get_by_role("heading", name="This meeting is scheduled").wait_for()
        shot("confirmation")
        uid = _uid(page.url)
        booked = _booking(base, auth, uid)
        assert booked["status"] == "accepted"
        assert booked["start"] == f"{after_us.isoformat()}T13:00:00.000Z"
        assert booked["attendees"][0]["timeZone"] == PARIS
        assert "9:00am to 9:30am (America/New_York)" in page.content()

        page.get_by_role("link", name="Reschedule").click()
        page.goto(f"{page.url}&month={year}-03")
        page.get_by_label(f"Monday March {after_eu.day}, free times").click()
        page.get_by_role("heading", name=f"Monday, March {after_eu.day}").wait_for()
        later = page.locator("a.slot").first
        assert later.inner_text() == "3:00pm"  # 09:00 in New York, both on summer time
        later.click()
        page.get_by_label("Reason for rescheduling (optional)").fill("A clash")
        shot("reschedule")
        page.get_by_role("button", name="Confirm new time").click()
        page.get_by_role("heading", name="This meeting is scheduled").wait_for()
        shot("rescheduled")
        new_uid = _uid(page.url)
        assert new_uid != uid
        assert _booking(base, auth, uid)["status"] == "cancelled"
        moved = _booking(base, auth, new_uid)
        assert moved["status"] == "accepted"
        assert moved["start"] == f"{after_eu.isoformat()}T13:00:00.000Z"

        page.get_by_role("link", name="Cancel").click()
        page.get_by_label("Reason for cancelling").fill("Feeling ill")
        shot("cancel")
        page.get_by_role("button", name="Cancel booking").click()
        page.get_by_role("heading", name="This booking is cancelled").wait_for()
        shot("cancelled")
        cancelled = _booking(base, auth, new_uid)
        assert cancelled["status"] == "cancelled"
        assert cancelled.get("cancellationReason") == "Feeling ill"
    finally:
        context.close()


def test_docs_render_operations_offline(
    browser: Any, server: tuple[str, dict[str, str], str], tmp_path: Path
) -> None:
    base = server[0]
    page = browser.new_page()
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:  # as on a machine without internet
            outside.append(route.request.url)
            route.abort()

    try:
        page.route("**/*", only_loopback)
        page.goto(f"{base}/docs")
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock").count() > 20
        assert page.get_by_text("/v2/bookings").first.is_visible()
        Shots(page, tmp_path)("docs")
        assert outside == []
    finally:
        page.close()


def test_keyboard_only_reaches_the_booking_form(
    browser: Any, server: tuple[str, dict[str, str], str], tmp_path: Path
) -> None:
    _, _, booking_url = server
    year = dst_march()
    context = browser.new_context(timezone_id=PARIS, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{booking_url}?month={year}-03&tz={PARIS}")
        for _ in range(60):  # Tab to the first free day
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('a.day.free')"):
                break
        else:
            pytest.fail("no free day is reachable with Tab")
        url_before = page.url
        page.keyboard.press("Enter")
        # The script swaps the day in place and moves focus to its first time. (Polled from
        # here: wait_for_function evaluates strings, which the pages' CSP rightly refuses.)
        for _ in range(100):
            if page.evaluate("document.activeElement.matches('a.slot')"):
                break
            page.wait_for_timeout(50)
        else:
            pytest.fail("focus did not move to the chosen day's first time")
        assert page.url != url_before
        Shots(page, tmp_path)("keyboard-day")
        page.keyboard.press("Enter")
        page.get_by_label("Your name").wait_for()
        assert "/book?" in page.url
    finally:
        context.close()

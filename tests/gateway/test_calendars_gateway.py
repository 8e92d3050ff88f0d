"""The skill document's calendar and conferencing calls (`GET /cal-com/v2/calendars`,
`/cal-com/v2/conferencing`, `/cal-com/v2/conferencing/default`) through the gateway, against the
embedded OAuth server: a connection granted the default scopes reads and sets them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from calgate.config import Settings
from tests.calendars.servers import Feeds, ics_server
from tests.calendars.test_connected import dst_monday, weekly_ics
from tests.conftest import TEST_SECRET
from tests.gateway.test_embedded_oauth import Embedded, _connect
from tests.gateway.test_embedded_oauth import embedded as embedded


@pytest.fixture
def settings(db_url: str) -> Settings:
    # The feed is served on loopback.
    return Settings(
        database_url=db_url, secret_key=TEST_SECRET, rate_limit=False, calendar_allow_private=True
    )


@pytest.fixture
def feeds() -> Iterator[Feeds]:
    with ics_server() as served:
        yield served


def test_calendars_and_conferencing_through_the_gateway(embedded: Embedded, feeds: Feeds) -> None:
    gw = {"Authorization": f"Bearer {embedded.key}"}
    with httpx2.Client(base_url=embedded.url, timeout=30) as browser:
        _connect(embedded, browser)
        empty = browser.get("/cal-com/v2/calendars", headers=gw)
        assert empty.status_code == 200, empty.text
        assert empty.json()["data"]["connectedCalendars"] == []

        url = feeds.add("/work.ics", weekly_ics(dst_monday()))
        saved = browser.post(
            "/cal-com/v2/calendars/ics-feed/save", headers=gw, json={"urls": [url]}
        )
        assert saved.status_code == 201, saved.text
        listed = browser.get("/cal-com/v2/calendars", headers=gw).json()["data"]
        [connected] = listed["connectedCalendars"]
        assert connected["integration"]["type"] == "ics-feed_calendar"
        assert [c["name"] for c in connected["calendars"]] == ["Work"]

        assert browser.get("/cal-com/v2/conferencing", headers=gw).json()["data"] == []
        made = browser.post("/cal-com/v2/conferencing/jitsi/connect", headers=gw)
        assert made.status_code == 200, made.text
        [app] = browser.get("/cal-com/v2/conferencing", headers=gw).json()["data"]
        assert (app["type"], app["appId"]) == ("jitsi_video", "jitsi")
        chosen = browser.post("/cal-com/v2/conferencing/jitsi/default", headers=gw)
        assert chosen.status_code == 200, chosen.text
        default = browser.get("/cal-com/v2/conferencing/default", headers=gw)
        assert default.status_code == 200, default.text
        assert default.json()["data"]["appSlug"] == "jitsi"

"""The skill document's `GET /cal-com/v2/teams` through the gateway, against the embedded OAuth
server: a connection granted the default scopes reaches the user's teams."""

from __future__ import annotations

import httpx2

from tests.gateway.test_embedded_oauth import Embedded, _connect
from tests.gateway.test_embedded_oauth import embedded as embedded


def test_get_teams_through_the_gateway(embedded: Embedded) -> None:
    gw = {"Authorization": f"Bearer {embedded.key}"}
    with httpx2.Client(base_url=embedded.url, timeout=30) as browser:
        _connect(embedded, browser)
        made = browser.post("/cal-com/v2/teams", headers=gw, json={"name": "Support"})
        assert made.status_code == 201, made.text
        teams = browser.get("/cal-com/v2/teams", headers=gw)
        assert teams.status_code == 200, teams.text
        assert [t["name"] for t in teams.json()["data"]] == ["Support"]
        team_id = made.json()["data"]["id"]
        members = browser.get(f"/cal-com/v2/teams/{team_id}/memberships", headers=gw)
        assert members.status_code == 200, members.text
        assert [m["role"] for m in members.json()["data"]] == ["OWNER"]

"""A team's public pages without JavaScript: its profile, the booker of a team event type
(the same slots as GET /v2/slots, a booking through the same service), and what a private team
or one hiding "book a team member" leaves out."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.pages.test_pages import CSRF, PARIS, SLOT, _api_slots
from tests.teams.test_team_event_types import V_ET, _team

DAY = "2027-03-15"  # New York already on summer time, Paris not yet: 5 hours apart


def _team_event_type(client: TestClient, owner: Any, tid: int, **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Team intro",
        "slug": "team-intro",
        "lengthInMinutes": 30,
        "schedulingType": "roundRobin",
        **fields,
    }
    r = client.post(f"/v2/teams/{tid}/event-types", headers={**owner.headers, **V_ET}, json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def _setup(client: TestClient, make_account: Any) -> tuple[Any, Any, int, dict[str, Any]]:
    owner = make_account(time_zone="America/New_York", name="Olga Owner")
    ana = make_account(time_zone="America/New_York", name="Ana Host")
    tid = _team(client, owner, ana)
    r = client.patch(
        f"/v2/teams/{tid}",
        headers=owner.headers,
        json={
            "slug": "sales-crew",
            "bio": "We answer questions",
            "logoUrl": "https://example.com/logo.png",
            "timeZone": "America/New_York",
        },
    )
    assert r.status_code == 200, r.text
    et = _team_event_type(client, owner, tid, hosts=[{"userId": ana.id}])
    _team_event_type(client, owner, tid, title="Back room", slug="back-room", hidden=True)
    return owner, ana, tid, et


def test_team_profile_and_booking_with_plain_form_posts(
    client: TestClient, make_account: Any
) -> None:
    _owner, ana, _tid, et = _setup(client, make_account)
    profile = client.get("/team/sales-crew", params={"tz": PARIS})
    assert profile.status_code == 200, profile.text
    text = profile.text
    assert "We answer questions" in text
    assert 'src="https://example.com/logo.png"' in text
    assert "Team intro" in text
    assert "With Ana Host" in text
    assert "Back room" not in text  # hidden
    assert "Book a team member" in text
    assert f'href="/{ana.username}?' in text

    path = "/team/sales-crew/team-intro"
    assert f'href="{path}?' in text
    api = _api_slots(client, et["id"], DAY, DAY, PARIS)
    day = client.get(path, params={"date": DAY, "tz": PARIS, "hour": "24"})
    assert day.status_code == 200, day.text
    links = SLOT.findall(day.text)
    assert [iso for _, iso in links] == [s["start"] for s in api[DAY]]
    assert ">14:00</time>" in day.text  # 09:00 in New York
    # The zone picker offers every zone, the chosen one selected, in a plain GET form.
    assert '<option value="Europe/Paris" selected>' in day.text
    assert '<option value="Pacific/Auckland">' in day.text

    form = client.get(links[0][0].replace("&amp;", "&"))
    assert form.status_code == 200
    token = CSRF.search(form.text)
    start = re.search(r'name="start" value="([^"]+)"', form.text)
    assert token is not None
    assert start is not None
    booked = client.post(
        f"{path}/book?tz={PARIS}",
        data={
            "start": start.group(1),
            "name": "Gael Paris",
            "email": "gael@example.com",
            "csrf_token": token.group(1),
        },
        follow_redirects=False,
    )
    assert booked.status_code == 303, booked.text
    uid = booked.headers["location"].split("/booking/")[1].split("?")[0]
    r = client.get(f"/v2/bookings/{uid}", headers={**ana.headers, "cal-api-version": "2024-08-13"})
    data = r.json()["data"]
    assert data["eventTypeId"] == et["id"]
    assert data["start"] == "2027-03-15T13:00:00.000Z"
    assert "This meeting is scheduled" in client.get(booked.headers["location"]).text
    # The same time again is refused with the reason, on the team's own form.
    again = client.post(
        f"{path}/book?tz={PARIS}",
        data={
            "start": start.group(1),
            "name": "Other",
            "email": "other@example.com",
            "csrf_token": token.group(1),
        },
    )
    assert again.status_code == 400
    # Why, in the guest's zone, without the other guest's booking; then where else to go.
    assert "Ana Host is busy at 14:00 Europe/Paris on Monday 15 Mar." in again.text
    assert "gael@example.com" not in again.text
    assert "Free times nearby" in again.text
    # Rescheduling goes back to the team's picker.
    moved = client.get(f"/booking/{uid}/reschedule?tz={PARIS}", follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"].startswith(f"{path}?")


def test_hidden_members_private_teams_and_unknown_pages(
    client: TestClient, make_account: Any
) -> None:
    owner, ana, tid, _ = _setup(client, make_account)
    r = client.patch(f"/v2/teams/{tid}", headers=owner.headers, json={"hideBookATeamMember": True})
    assert r.status_code == 200, r.text
    profile = client.get("/team/sales-crew").text
    assert "Book a team member" not in profile
    assert "With Ana Host" in profile
    assert "Book a team member instead" not in client.get("/team/sales-crew/team-intro").text

    # A private team's pages stay bookable (as in Cal.com) but never name its members.
    r = client.patch(f"/v2/teams/{tid}", headers=owner.headers, json={"isPrivate": True})
    assert r.status_code == 200, r.text
    profile = client.get("/team/sales-crew")
    assert profile.status_code == 200
    assert "Team intro" in profile.text
    assert "Ana Host" not in profile.text
    assert ana.username not in profile.text
    picker = client.get("/team/sales-crew/team-intro", params={"date": DAY})
    assert picker.status_code == 200
    assert "Ana Host" not in picker.text

    assert client.get("/team/nobody").status_code == 404
    assert client.get("/team/sales-crew/back-room").status_code == 404
    assert client.get("/team/sales-crew/nothing").status_code == 404

"""Who gets a booking's emails, and in which language: every host of a team booking
(collective: all; round robin: the assigned host and the mandatory ones), each person in their
own locale and zone, and nobody at all on a server without SMTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from tests.email.mailbox import Mailbox
from tests.email.test_booking_emails import rows, text
from tests.email.test_team_verified import team
from tests.webhooks.conftest import V_BOOKING, V_ET, book, event_type, next_monday


def team_event_type(client: TestClient, owner: Any, tid: int, **fields: Any) -> int:
    body = {"title": "Team call", "slug": "team-call", "lengthInMinutes": 30, **fields}
    body["minimumBookingNotice"] = 0
    r = client.post(f"/v2/teams/{tid}/event-types", headers={**owner.headers, **V_ET}, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def test_a_collective_booking_mails_every_host(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    owner = make_account(time_zone="UTC")
    a, b = make_account(time_zone="UTC"), make_account(time_zone="Europe/Berlin")
    tid = team(client, owner, (a, "MEMBER"), (b, "MEMBER"))
    et = team_event_type(
        client, owner, tid, schedulingType="collective", hosts=[{"userId": a.id}, {"userId": b.id}]
    )
    book(client, et, next_monday() + timedelta(hours=10))
    for host in (a, b):
        (message,) = inbox.wait_for(host.email)
        assert message["Subject"].startswith("New event:")
    assert inbox.wait_for("ada@example.com")
    # Each host in their own zone: 10:00 UTC is 11:00 in Berlin (CET).
    assert "11:00 - 11:30 (Europe/Berlin)" in text(inbox.to(b.email)[0])
    assert "10:00 - 10:30 (UTC)" in text(inbox.to(a.email)[0])
    assert {m.recipient for m in rows(client)} == {"ada@example.com", a.email, b.email}


def test_round_robin_mails_the_assigned_and_mandatory_hosts(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    owner = make_account(time_zone="UTC")
    a, b, fixed = (make_account(time_zone="UTC") for _ in range(3))
    tid = team(client, owner, (a, "MEMBER"), (b, "MEMBER"), (fixed, "MEMBER"))
    et = team_event_type(
        client,
        owner,
        tid,
        schedulingType="roundRobin",
        hosts=[{"userId": a.id}, {"userId": b.id}, {"userId": fixed.id, "mandatory": True}],
    )
    booked = book(client, et, next_monday() + timedelta(hours=10))
    organizer = booked["hosts"][0]["id"]
    assert organizer in (a.id, b.id)
    chosen = a if organizer == a.id else b
    # The rows are written with the booking: exactly the attendee, the host whose turn it
    # was and the mandatory host; the other round-robin host and the team owner get nothing.
    assert {m.recipient for m in rows(client)} == {"ada@example.com", chosen.email, fixed.email}
    assert inbox.wait_for(chosen.email)
    assert inbox.wait_for(fixed.email)


def test_each_recipient_reads_their_own_language(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="Europe/Paris")
    r = client.patch("/v2/me", headers=host.headers, json={"locale": "fr"})
    assert r.status_code == 200, r.text
    et = event_type(client, host)
    start = next_monday() + timedelta(hours=9)
    german = {"name": "Ada", "email": "ada@example.com", "timeZone": "Europe/Berlin"}
    book(client, et, start, attendee={**german, "language": "de"})
    to_ada = inbox.wait_for("ada@example.com")[0]
    to_host = inbox.wait_for(host.email)[0]
    assert to_ada["Subject"].startswith("Bestätigt:")
    body = text(to_ada)
    assert "Wann:" in body
    # Babel's German date (CLDR names), in the attendee's zone: 09:00 UTC is 10:00 in Berlin.
    assert "Montag," in body
    assert "10:00 - 10:30 (Europe/Berlin)" in body
    assert "Verschieben:" in body
    html = to_ada.get_body(("html",))
    assert html is not None
    assert '<html lang="de">' in html.get_content()
    assert to_host["Subject"].startswith("Nouvel événement :")
    assert "lundi" in text(to_host)
    # A language without a catalogue is English, dates included.
    book(
        client,
        et,
        start + timedelta(hours=1),
        attendee={**german, "email": "ja@example.com", "language": "ja"},
    )
    to_ja = inbox.wait_for("ja@example.com")[0]
    assert to_ja["Subject"].startswith("Confirmed:")
    assert "Monday," in text(to_ja)


def test_a_verification_code_in_the_callers_language(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    acct = make_account()
    client.patch("/v2/me", headers=acct.headers, json={"locale": "es-419"})
    r = client.post(
        "/v2/verified-resources/emails/verification-code/request",
        headers=acct.headers,
        json={"email": "es@example.com"},
    )
    assert r.status_code == 200, r.text
    (message,) = inbox.wait_for("es@example.com")
    assert "es tu código de verificación" in message["Subject"]


def test_without_smtp_no_booking_email_is_queued(settings: Settings, make_account: Any) -> None:
    off = replace(settings, smtp_url="")
    with TestClient(create_app(off), raise_server_exceptions=False) as client:
        host = make_account(time_zone="UTC")
        et = event_type(client, host)
        first = book(client, et, next_monday() + timedelta(hours=10))
        r = client.post(f"/v2/bookings/{first['uid']}/cancel", headers=V_BOOKING, json={})
        assert r.status_code == 200, r.text
        assert rows(client) == []

"""The links in a recurring series' emails and the booking pages they lead to, through a real
SMTP server: the series email cancels every remaining occurrence (Cal.com's
`allRemainingBookings=true`), with one cancellation email for them all, and only the booker's
has that link; an email about one occurrence keeps that occurrence's own links."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from calgate.config import Settings
from tests.email.mailbox import Mailbox
from tests.email.test_booking_emails import invite, text
from tests.email.test_series_emails import BOB, NOW, _recurring, _sent, _series
from tests.pages.test_series_pages import form_fields, statuses
from tests.support.clock import instant, travel, z
from tests.webhooks.conftest import V_BOOKING


@pytest.fixture(autouse=True)
def _march_2027() -> Iterator[None]:
    with travel(NOW):
        yield


def _link(body: str, settings: Settings, label: str) -> str | None:
    """The path of the email's `label` link (Cancel, Reschedule) on the booker."""
    found = re.search(rf"^{label}: {re.escape(settings.booker_url)}(\S+)", body, re.MULTILINE)
    return found.group(1) if found else None


def test_the_series_email_cancels_every_remaining_occurrence(
    client: TestClient, make_account: Any, inbox: Mailbox, settings: Settings
) -> None:
    host = make_account(time_zone="America/New_York")
    occurrences = _series(client, _recurring(client, host))
    series_uid = occurrences[0]["recurringBookingUid"]
    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))

    to_ada = inbox.to("ada@example.com")[0]
    body = text(to_ada)
    cancel = _link(body, settings, "Cancel")
    assert cancel == f"/booking/{occurrences[0]['uid']}/cancel?allRemainingBookings=true"
    # As Cal.com's series email: no reschedule link (an occurrence moves from its own page).
    assert _link(body, settings, "Reschedule") is None
    html = to_ada.get_body(("html",))
    assert html is not None
    assert f'href="{settings.booker_url}{cancel}"' in html.get_content()
    # The link is the booker's, as Cal.com's: Ada's guest gets the series but no link to it.
    to_bob = inbox.to(BOB)[0]
    assert "Every week for 4 occurrences" in text(to_bob)
    assert _link(text(to_bob), settings, "Cancel") is None
    bob_html = to_bob.get_body(("html",))
    assert bob_html is not None
    assert "/cancel" not in bob_html.get_content()

    # Followed: the cancel page with every remaining occurrence chosen; sent as shown.
    form = client.get(cancel)
    assert form.status_code == 200, form.text
    assert "All remaining occurrences of the series (4)" in form.text
    done = client.post(
        cancel, data=form_fields(form.text, reason="Project over"), follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert statuses(client, host, series_uid) == ["cancelled"] * 4

    # ONE cancellation email per person for the four occurrences, cancelling the series.
    _sent(client, inbox, Counter({"ada@example.com": 2, BOB: 2, host.email: 2}))
    for recipient in ("ada@example.com", BOB, host.email):
        message = inbox.to(recipient)[-1]
        assert message["Subject"].startswith("Cancelled:")
        assert invite(message)["METHOD"] == "CANCEL"
    body = text(inbox.to("ada@example.com")[-1])
    assert "These occurrences of a recurring event have been cancelled" in body
    assert "Every week for 4 occurrences (Europe/Berlin)" in body
    assert "Project over" in body


def test_one_occurrence_from_its_page_and_its_own_links(
    client: TestClient, make_account: Any, inbox: Mailbox, settings: Settings
) -> None:
    host = make_account(time_zone="America/New_York")
    occurrences = _series(client, _recurring(client, host))
    series_uid = occurrences[0]["recurringBookingUid"]
    _sent(client, inbox, Counter({"ada@example.com": 1, BOB: 1, host.email: 1}))

    # The series email's link, with this occurrence alone chosen on the form.
    cancel = _link(text(inbox.to("ada@example.com")[0]), settings, "Cancel")
    assert cancel is not None
    form = client.get(cancel)
    done = client.post(
        cancel, data=form_fields(form.text, allRemainingBookings="false"), follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert statuses(client, host, series_uid) == ["cancelled", "accepted", "accepted", "accepted"]
    _sent(client, inbox, Counter({"ada@example.com": 2, BOB: 2, host.email: 2}))
    body = text(inbox.to("ada@example.com")[-1])
    assert "This event has been cancelled" in body
    assert "Every week" not in body

    # One occurrence moved: its email's links are that occurrence's own.
    moved = occurrences[2]
    later = z(instant(moved["start"]) + timedelta(hours=2))
    r = client.post(
        f"/v2/bookings/{moved['uid']}/reschedule", headers=V_BOOKING, json={"start": later}
    )
    assert r.status_code == 201, r.text
    new_uid = r.json()["data"]["uid"]
    _sent(client, inbox, Counter({"ada@example.com": 3, BOB: 3, host.email: 3}))
    body = text(inbox.to("ada@example.com")[-1])
    assert _link(body, settings, "Reschedule") == f"/booking/{new_uid}/reschedule"
    assert _link(body, settings, "Cancel") == f"/booking/{new_uid}/cancel"

"""The booker through a private link (`/d/{link}/{slug}`) and a hidden event type's own page,
server-rendered, without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.pages.test_pages import PARIS, SLOT, _book_first, _event_type, _path
from tests.support.api import assert_ok

DAY = "2027-03-15"


@pytest.fixture
def host(make_account: Any) -> Any:
    return make_account(time_zone="America/New_York", name="Nora York")


def _link(client: TestClient, acct: Any, et_id: int, **body: Any) -> dict[str, Any]:
    r = client.post(f"/v2/event-types/{et_id}/private-links", headers=acct.headers, json=body)
    data: dict[str, Any] = assert_ok(r, 201)
    return data


def test_hidden_event_type_is_bookable_by_its_own_url(client: TestClient, host: Any) -> None:
    et = _event_type(client, host, title="Secret", slug="secret", hidden=True)
    assert "Secret" not in client.get(f"/{host.username}").text
    path = _path(et["bookingUrl"])
    picker = client.get(path, params={"date": DAY, "tz": PARIS})
    assert picker.status_code == 200, picker.text
    assert SLOT.findall(picker.text)
    confirmation = _book_first(client, path, DAY, "Ann One", "ann@example.com")
    assert confirmation.startswith("/booking/")


def test_private_link_page_books_and_spends_the_link(client: TestClient, host: Any) -> None:
    et = _event_type(client, host, title="Secret", slug="secret", hidden=True)
    link = _link(client, host, et["id"])  # one use
    path = _path(link["bookingUrl"])
    assert path == f"/d/{link['linkId']}/secret"

    picker = client.get(path, params={"date": DAY, "tz": PARIS})
    assert picker.status_code == 200, picker.text
    hrefs = [href for href, _ in SLOT.findall(picker.text)]
    assert hrefs
    assert all(h.startswith(f"{path}/book?") for h in hrefs)
    form = client.get(hrefs[0].replace("&amp;", "&"))
    assert form.status_code == 200
    assert f'href="{path}?' in form.text  # "choose another time" stays on the link

    confirmation = _book_first(client, path, DAY, "Ann One", "ann@example.com")
    uid = confirmation.split("/booking/")[1].split("?")[0]
    booking = assert_ok(
        client.get(f"/v2/bookings/{uid}", headers={"cal-api-version": "2024-08-13"})
    )
    assert booking["eventTypeId"] == et["id"]
    links = assert_ok(client.get(f"/v2/event-types/{et['id']}/private-links", headers=host.headers))
    assert (links[0]["usageCount"], links[0]["isExpired"]) == (1, True)

    # Used up: the page says so instead of offering times, and a posted form is refused.
    spent = client.get(path, params={"date": DAY, "tz": PARIS})
    assert spent.status_code == 410
    assert "usage limit" in spent.text
    assert not SLOT.findall(spent.text)


def test_link_racing_its_last_use_on_the_form(client: TestClient, host: Any) -> None:
    """Two guests hold the form of a one-use link; the second submit is refused with the
    reason on the form, and nothing is booked for it."""
    et = _event_type(client, host, slug="secret", hidden=True)
    link = _link(client, host, et["id"])
    path = _path(link["bookingUrl"])
    picker = client.get(path, params={"date": DAY, "tz": PARIS})
    hrefs = [h.replace("&amp;", "&") for h, _ in SLOT.findall(picker.text)]
    forms = [client.get(h) for h in hrefs[:2]]

    def submit(form: Any, email: str) -> Any:
        start = re.search(r'name="start" value="([^"]+)"', form.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert start
        assert token
        return client.post(
            f"{path}/book?tz={PARIS}",
            data={
                "start": start.group(1),
                "csrf_token": token.group(1),
                "name": "G",
                "email": email,
            },
            follow_redirects=False,
        )

    assert submit(forms[0], "one@example.com").status_code == 303
    refused = submit(forms[1], "two@example.com")
    assert refused.status_code == 410
    listed = assert_ok(
        client.get("/v2/bookings", headers={**host.headers, "cal-api-version": "2024-08-13"})
    )
    assert len(listed) == 1


def test_unknown_link_or_wrong_slug_is_404(client: TestClient, host: Any) -> None:
    et = _event_type(client, host, slug="secret")
    _event_type(client, host, slug="other")
    link = _link(client, host, et["id"], maxUsageCount=3)
    assert client.get(f"/d/{link['linkId']}/other").status_code == 404
    assert client.get("/d/not-a-link/secret").status_code == 404
    assert client.get(f"/d/{link['linkId']}/secret").status_code == 200

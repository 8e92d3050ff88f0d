"""A booking form whose answer the booking service refuses: the reason is shown beside the
question it is about (not only at the top), the answers are kept, and the form still books
once corrected, all without JavaScript."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.api.test_bookings import V_EVENT_TYPES, at, monday, z

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _field_block(page: str, slug: str) -> str:
    """The form's <div class="field"> holding the input named `slug`."""
    for block in page.split('<div class="field')[1:]:
        if f'name="{slug}"' in block:
            return block.split("</div>")[0]
    raise AssertionError(f"no field {slug!r} in the form")


def test_a_refused_answer_is_shown_beside_its_question(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    # The form doesn't check phone numbers itself; the booking service does.
    question = {"type": "phone", "slug": "mobile", "label": "Mobile", "required": True}
    r = client.post(
        "/v2/event-types",
        headers={**acct.headers, **V_EVENT_TYPES},
        json={"title": "Call", "slug": "call", "lengthInMinutes": 30, "bookingFields": [question]},
    )
    assert r.status_code == 201, r.text
    path = "/" + r.json()["data"]["bookingUrl"].split("/", 3)[3]
    start = z(at(monday(), "10:00"))
    form = client.get(f"{path}/book", params={"start": start})
    token = CSRF.search(form.text)
    assert token is not None
    fields = {"start": start, "csrf_token": token.group(1), "name": "Gil", "email": "g@example.com"}

    refused = client.post(f"{path}/book", data={**fields, "mobile": "12"}, follow_redirects=False)
    assert refused.status_code == 400
    mobile = _field_block(refused.text, "mobile")
    assert 'aria-invalid="true"' in mobile
    assert 'class="error" id="e-mobile"' in mobile
    assert "Mobile must be a phone number in international format" in mobile
    assert 'value="12"' in mobile  # the answer is kept to be corrected
    assert "international format" not in _field_block(refused.text, "email")
    assert 'role="alert"' in refused.text  # the summary at the top stays
    assert "Free times nearby" not in refused.text  # the time was fine

    booked = client.post(
        f"{path}/book", data={**fields, "mobile": "+44 20 7946 0000"}, follow_redirects=False
    )
    assert booked.status_code == 303, booked.text

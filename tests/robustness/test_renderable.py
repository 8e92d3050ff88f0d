"""No write commits a value its response could not render (issue 12, defect 1, second half).

After the body guard no request body can carry such a value (lone surrogates and NUL are a
400 there, tests/robustness/test_bodies.py), so these tests put one in through the service
layer, below the guard: the flush refuses it, the transaction rolls back, nothing is stored and
the row keeps answering reads.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from calgate.errors import BadRequest
from calgate.services import users
from calgate.store.models import Booking, User
from calgate.store.renderable import check_renderable
from tests.robustness import seed
from tests.robustness.conftest import row_counts


def _run(client: TestClient, fn: Any) -> Any:
    assert client.portal is not None
    return client.portal.call(fn)


def test_a_new_row_with_unrenderable_text_is_not_committed(client: TestClient, db_url: str) -> None:
    db = client.app.state.calgate.db  # type: ignore[attr-defined]
    before = row_counts(db_url)

    async def create(name: str) -> None:
        async with db.transaction() as session:
            await users.create_user_in(
                session, email="x@example.com", password=None, name=name, time_zone="UTC"
            )

    for bad in ("a\ud800b", "nul\x00"):
        with pytest.raises(BadRequest, match=r"User\.name"):
            _run(client, lambda bad=bad: create(bad))
        assert row_counts(db_url) == before


def test_a_changed_json_value_is_not_committed_and_reads_keep_working(
    client: TestClient, make_account: Any, db_url: str
) -> None:
    owner = make_account()
    uid = seed.book(client, seed.event_type(client, owner.headers), seed.slot())
    db = client.app.state.calgate.db  # type: ignore[attr-defined]

    async def spoil() -> None:
        async with db.transaction() as session:
            booking = await session.scalar(select(Booking).where(Booking.uid == uid))
            booking.metadata_ = {"note": "\udfff"}

    with pytest.raises(BadRequest, match=r"Booking\.metadata"):
        _run(client, spoil)
    for path in (f"/v2/bookings/{uid}", "/v2/bookings"):
        r = client.get(path, headers={**owner.headers, **seed.V_BOOKINGS})
        assert r.status_code == 200, r.text


def test_the_check_walks_nested_json_and_keys() -> None:
    user = User(email="a@example.com", username="a", name="ok", time_zone="UTC")
    check_renderable(user)
    user.name = "\U0001f600"  # outside the BMP, as one code point: fine
    check_renderable(user)
    booking = Booking(uid="u", title="t", metadata_={"k": ["fine", {"deep": "\ud800"}]})
    with pytest.raises(BadRequest):
        check_renderable(booking)
    booking.metadata_ = {"\x00": "key"}
    with pytest.raises(BadRequest):
        check_renderable(booking)

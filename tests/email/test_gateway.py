"""The skill document's `GET /cal-com/v2/verified-resources/emails` through the gateway."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from calgate.store.db import sync_url
from calgate.store.models import User, VerifiedEmail, utcnow
from tests.gateway.test_all_in_one import aio  # noqa: F401 - the all-in-one fixture


def test_verified_emails_through_the_gateway(aio: Any, db_url: str) -> None:  # noqa: F811
    http = aio[0]
    assert http.get("/cal-com/v2/verified-resources/emails").json() == {
        "status": "success",
        "data": [],
    }
    engine = create_engine(sync_url(db_url))
    try:
        with Session(engine) as session, session.begin():
            user_id = session.execute(select(User.id).where(User.username == "aio")).scalar_one()
            session.add(VerifiedEmail(user_id=user_id, email="work@aio.test", created_at=utcnow()))
    finally:
        engine.dispose()
    r = http.get("/cal-com/v2/verified-resources/emails", params={"take": 5})
    assert r.status_code == 200, r.text
    (row,) = r.json()["data"]
    assert row["email"] == "work@aio.test"
    assert row["userId"] == user_id
    one = http.get(f"/cal-com/v2/verified-resources/emails/{row['id']}")
    assert one.status_code == 200, one.text
    assert one.json()["data"] == row

"""Secrets at rest: no raw token, key, state or verifier anywhere in the database."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from calgate.store.db import sync_url
from tests.gateway.conftest import Harness


def _every_value(db_url: str) -> str:
    engine = create_engine(sync_url(db_url))
    try:
        dump = []
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    dump.extend(str(v) for v in row)
        return "\n".join(dump)
    finally:
        engine.dispose()


def test_tokens_not_readable_in_database(gw: Harness) -> None:
    key = gw.make_key()
    conn = gw.connect(key)
    gw.fake.revoke_user_access("alice")  # force a refresh so both generations are checked
    with gw.client(key) as http:
        assert http.get("/cal-com/v2/me").status_code == 200
        # A pending connection too (session token, then state + verifier in flight).
        pending = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        http.get(pending["url"])
    session_token = pending["url"].split("session_token=")[1]
    dump = _every_value(gw.settings.database_url)
    assert conn in dump  # sanity: the dump sees the gateway tables
    secrets = [*gw.fake.issued, key, session_token]
    assert len(gw.fake.issued) == 4
    for secret in secrets:
        assert secret not in dump, secret

"""Use cases of a gateway key's events target: show, set (with a new secret), clear.

Each owns its transaction; a change locks the key row (and SQLite's write lock at BEGIN), so
two concurrent PUTs can't leave a URL with the other one's secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calgate.gateway import keys
from calgate.gateway.runtime import Gateway
from calgate.store.models import GatewayKey


@dataclass(frozen=True)
class Destination:
    url: str | None
    since: datetime | None
    # The signing secret, only in the answer to setting the URL (shown once).
    secret: str | None = None


def _target(key: GatewayKey, secret: str | None = None) -> Destination:
    return Destination(url=key.events_url, since=key.events_since, secret=secret)


async def get_events(gateway: Gateway, key_id: int) -> Destination:
    async with gateway.db.session() as session:
        return _target(await keys.get_key(session, key_id))


async def set_events(gateway: Gateway, key_id: int, url: str) -> Destination:
    async with gateway.db.transaction() as session:
        key = await keys.get_key(session, key_id, for_update=True)
        secret = keys.set_events(gateway.keyring, key, url)
        return _target(key, secret)


async def clear_events(gateway: Gateway, key_id: int) -> Destination:
    async with gateway.db.transaction() as session:
        key = await keys.get_key(session, key_id, for_update=True)
        keys.clear_events(key)
        return _target(key)

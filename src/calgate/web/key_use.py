"""`ApiKey.last_used_at`, written cheaply: at most once a minute per key.

Each process remembers when it last wrote a key's time and skips the write within the minute;
the UPDATE itself only matches a row whose time is older than a minute, so several processes
don't all rewrite it either. The write is bookkeeping: its failure never fails the request.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import SQLAlchemyError

from calgate.store.db import Database
from calgate.store.models import ApiKey, utcnow

log = logging.getLogger("calgate.web")

RESOLUTION_S = 60.0
# Bound the memory of keys seen; forgetting only costs one more (no-op) UPDATE per key.
_MAX_REMEMBERED = 10_000


class KeyUse:
    def __init__(self, db: Database, resolution_s: float = RESOLUTION_S) -> None:
        self._db = db
        self._resolution_s = resolution_s
        self._written: dict[str, float] = {}

    async def used(self, key_hash: str, now: datetime | None = None) -> None:
        moment = time.monotonic()
        last = self._written.get(key_hash)
        if last is not None and moment - last < self._resolution_s:
            return
        if len(self._written) >= _MAX_REMEMBERED:
            self._written.clear()
        self._written[key_hash] = moment
        now = now or utcnow()
        stale = now - timedelta(seconds=self._resolution_s)
        try:
            async with self._db.transaction() as session:
                await session.execute(
                    update(ApiKey)
                    .where(
                        ApiKey.key_hash == key_hash,
                        or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < stale),
                    )
                    .values(last_used_at=now)
                )
        except SQLAlchemyError:
            log.warning("could not record the use of an API key", exc_info=True)

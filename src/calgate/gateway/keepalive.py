"""Keep-alive: refresh idle connections well inside their refresh token's lifetime.

A refresh token that is never used dies (Cal.com: after 30 days), so a connection nobody
called for that long would fail on its next call. This worker periodically refreshes the ACTIVE
connections whose pair is older than ``keepalive_age_s``, through the same Refresher as the
proxy, so the lease, the single-flight and the storm rules all apply. Several processes may run
it at once: the second one to reach a connection finds its token version moved and stops there.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from calgate.errors import CalgateError
from calgate.gateway import connections as conns
from calgate.gateway.config import GatewaySettings
from calgate.gateway.refresh import Refresher
from calgate.store.db import Database
from calgate.store.models import Connection, utcnow

log = logging.getLogger(__name__)

# Connections handled per scan; the rest wait for the next one.
BATCH = 200


class KeepAlive:
    def __init__(self, settings: GatewaySettings, db: Database, refresher: Refresher) -> None:
        self.settings = settings
        self.db = db
        self.refresher = refresher

    async def due(self) -> list[tuple[str, int]]:
        """(id, token version) of ACTIVE connections whose pair is older than the age."""
        cutoff = utcnow() - timedelta(seconds=self.settings.keepalive_age_s)
        changed = Connection.tokens_changed_at
        query = (
            select(Connection.id, Connection.token_version)
            .where(
                Connection.status == conns.ConnectionStatus.ACTIVE,
                Connection.refresh_token_enc.is_not(None),
                or_(
                    changed < cutoff,
                    # Rows from before tokens_changed_at existed.
                    and_(changed.is_(None), Connection.updated_at < cutoff),
                ),
            )
            .order_by(func.coalesce(changed, Connection.updated_at), Connection.id)
            .limit(BATCH)
        )
        async with self.db.session() as session:
            return [(row.id, row.token_version) for row in await session.execute(query)]

    async def run_once(self) -> int:
        """One scan; returns how many connections it refreshed (or found refreshed)."""
        done = 0
        for connection_id, version in await self.due():
            try:
                await self.refresher.refresh(connection_id, version, force=True)
            except CalgateError as exc:
                # Failed, deleted or cooling down meanwhile: the row says why.
                log.info("keep-alive skipped connection %s: %s", connection_id, exc)
                continue
            except Exception:
                # One unreadable or broken row (say, a token under a key no longer configured)
                # must not stop the scan for every connection after it.
                log.exception("keep-alive could not refresh connection %s", connection_id)
                continue
            done += 1
        return done

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.keepalive_interval_s)
            try:
                await self.run_once()
            except Exception:
                log.exception("keep-alive scan failed; retrying at the next interval")

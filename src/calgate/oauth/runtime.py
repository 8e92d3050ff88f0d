"""What the authorization server's HTTP side keeps per app: a sync engine and the login throttle.

Authlib is synchronous, so each OAuth step runs in a worker thread with a sync session on this
engine. Built and closed by the composition root (`calgate.app`), read per request through
`get_oauth`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import anyio.to_thread
from sqlalchemy.engine import Engine
from starlette.requests import HTTPConnection

from calgate.config import Settings
from calgate.oauth.login_throttle import LoginThrottle
from calgate.oauth.server import CalgateAuthorizationServer
from calgate.store.db import Database, sync_engine, sync_transaction
from calgate.web.ratelimit import RateLimitStore
from calgate.web.state import get_runtime

T = TypeVar("T")


@dataclass
class OAuthRuntime:
    settings: Settings
    db: Database
    engine: Engine
    throttle: LoginThrottle

    @classmethod
    def open(cls, settings: Settings, db: Database, rate_limits: RateLimitStore) -> OAuthRuntime:
        return cls(
            settings=settings,
            db=db,
            engine=sync_engine(settings.database_url),
            throttle=LoginThrottle.of(
                rate_limits,
                per_account=settings.oauth_login_max_failures,
                per_ip=settings.oauth_login_max_failures_per_ip,
                window=settings.oauth_login_window,
            ),
        )

    def close(self) -> None:
        self.engine.dispose()

    async def run(self, action: Callable[[CalgateAuthorizationServer], T]) -> T:
        """One OAuth step in a worker thread, in one transaction."""
        return await anyio.to_thread.run_sync(partial(self._in_transaction, action))

    def _in_transaction(self, action: Callable[[CalgateAuthorizationServer], T]) -> T:
        # Every step reads state to decide what to write: take SQLite's write lock up front.
        with sync_transaction(self.engine) as session:
            return action(CalgateAuthorizationServer(session, self.settings))


def get_oauth(connection: HTTPConnection) -> OAuthRuntime:
    oauth = get_runtime(connection).oauth
    if oauth is None:  # pragma: no cover - the routes are mounted only with the runtime
        raise RuntimeError("the authorization server is not running in this app")
    return oauth

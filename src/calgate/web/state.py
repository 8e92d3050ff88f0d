"""The runtime object of one app, built by the composition root, and its request dependencies.

Only `calgate.app` stores it (``app.state.calgate``); every other reader goes through
`get_runtime`, so ``app.state`` has exactly one writer and one reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from calgate.config import Settings
from calgate.store.db import Database
from calgate.web.credentials import Credentials
from calgate.web.ratelimit import RateLimitStore

if TYPE_CHECKING:
    # Type-only: the runtime holds what the role serves, built and wired by calgate.app.
    from calgate.gateway.runtime import Gateway
    from calgate.oauth.runtime import OAuthRuntime
    from calgate.security.crypto import Keyring


@dataclass
class Runtime:
    settings: Settings
    db: Database
    # How /v2 callers are recognised (API keys, OAuth access tokens); None when the role
    # serves no scheduler.
    credentials: Credentials | None = None
    # The authorization server's pages and the gateway, when the role serves them.
    oauth: OAuthRuntime | None = None
    gateway: Gateway | None = None
    # Rate-limit counters (web.throttle and the gateway's per-key limit count here).
    rate_limits: RateLimitStore | None = None
    # Seals secrets at rest outside the gateway (calendar passwords, webhook secrets); the same
    # keys as the gateway's tokens, so `rotate-secrets` covers them. None without a secret key.
    keyring: Keyring | None = None


def get_runtime(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.calgate
    return runtime


# The dependencies are coroutines on purpose: FastAPI runs a plain `def` dependency in its
# thread pool, a thread hop per request for what is an attribute lookup.
async def _runtime(connection: HTTPConnection) -> Runtime:
    return get_runtime(connection)


async def _db(connection: HTTPConnection) -> Database:
    return get_runtime(connection).db


State = Annotated[Runtime, Depends(_runtime)]
Db = Annotated[Database, Depends(_db)]

"""The gateway's running state: settings, database, keyring, pooled HTTP client, limiter.

Started and stopped by the composition root (`calgate.app`) with `running`; handlers reach it
through `get_gateway`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection, Request

from calgate.config import Settings
from calgate.errors import BadRequest
from calgate.gateway.cache import ProxyCache
from calgate.gateway.config import GatewaySettings, Provider
from calgate.gateway.events_worker import event_dispatcher
from calgate.gateway.keepalive import KeepAlive
from calgate.gateway.keys import key_id_for
from calgate.gateway.ratelimit import RateLimiter
from calgate.gateway.refresh import Refresher
from calgate.net.transport import guarded_client
from calgate.security.crypto import Keyring
from calgate.store.db import Database
from calgate.web.ratelimit import RateLimitStore
from calgate.web.state import get_runtime
from calgate.webhooks.worker import new_client as new_webhook_client


@dataclass
class Gateway:
    settings: GatewaySettings
    db: Database
    keyring: Keyring
    http: httpx2.AsyncClient
    limiter: RateLimiter | None
    refresher: Refresher
    cache: ProxyCache
    # Origins ("http://127.0.0.1:8000") whose requests the client dispatches in-process
    # (the all-in-one server itself).
    in_process_origins: frozenset[str] = frozenset()

    def in_process(self, url: str) -> bool:
        return bool(self.in_process_origins) and any(
            url.startswith(origin + "/") for origin in self.in_process_origins
        )

    def provider(self, app: str) -> Provider:
        provider = self.settings.providers.get(app)
        if provider is None:
            known = ", ".join(sorted(self.settings.providers))
            raise BadRequest(f"Unknown app {app!r}; configured apps: {known}")
        return provider

    async def authenticate(self, request: Request, session: AsyncSession | None = None) -> int:
        """The caller's gateway key id (401 otherwise), after the per-key rate limit."""
        header = request.headers.get("authorization")
        if session is None:
            async with self.db.session() as own:
                key_id = await key_id_for(own, self.settings.pepper, header)
        else:
            key_id = await key_id_for(session, self.settings.pepper, header)
        if self.limiter is not None:
            await self.limiter.hit(key_id)
        return key_id


def new_http_client(
    settings: GatewaySettings, mounts: dict[str, httpx2.AsyncBaseTransport] | None = None
) -> httpx2.AsyncClient:
    # No cookie is ever kept: one client serves every user, so a Set-Cookie from upstream must
    # not be replayed on someone else's request. Every network call passes the SSRF guard.
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return guarded_client(
        timeout=httpx2.Timeout(
            settings.read_timeout_s, connect=settings.connect_timeout_s, pool=10.0
        ),
        max_connections=settings.max_connections,
        allow_private=settings.allow_private,
        mounts=mounts,
        cookies=jar,
    )


def build(
    settings: GatewaySettings,
    db: Database,
    mounts: dict[str, httpx2.AsyncBaseTransport] | None = None,
    rate_limits: RateLimitStore | None = None,
) -> Gateway:
    keyring = Keyring(settings.token_keys)
    http = new_http_client(settings, mounts)
    return Gateway(
        settings=settings,
        db=db,
        keyring=keyring,
        http=http,
        limiter=RateLimiter(settings.rate_limit, rate_limits) if settings.rate_limit else None,
        refresher=Refresher(settings, db, keyring, http),
        cache=ProxyCache(settings.refresh_skew_s),
        in_process_origins=frozenset(mounts or ()),
    )


@asynccontextmanager
async def running(
    settings: Settings,
    gateway_settings: GatewaySettings,
    db: Database,
    mounts: dict[str, httpx2.AsyncBaseTransport] | None = None,
    rate_limits: RateLimitStore | None = None,
) -> AsyncIterator[Gateway]:
    """The gateway with its background work (events delivery, keep-alive) running."""
    gateway = build(gateway_settings, db, mounts, rate_limits)
    # Events go to URLs key holders choose: the webhook client, not the provider one (no
    # in-process mount, no pool shared with provider calls, the webhooks' private switch).
    events_http = new_webhook_client(settings)
    events = event_dispatcher(db, settings, gateway.keyring, events_http)
    await events.start()
    keepalive = None
    if gateway_settings.keepalive_interval_s > 0:
        worker = KeepAlive(gateway_settings, db, gateway.refresher)
        keepalive = asyncio.create_task(worker.run(), name="calgate-gateway-keepalive")
    try:
        yield gateway
    finally:
        if keepalive is not None:
            keepalive.cancel()
            with suppress(asyncio.CancelledError):
                await keepalive
        await events.stop()
        await events_http.aclose()
        # Refreshes in flight may have been answered already: store their pairs first.
        await gateway.refresher.aclose()
        await gateway.http.aclose()


def get_gateway(connection: HTTPConnection) -> Gateway:
    gateway = get_runtime(connection).gateway
    if gateway is None:  # pragma: no cover - the routes are mounted only with the runtime
        raise RuntimeError("the gateway is not running in this app")
    return gateway

"""The composition root: builds the app of a role, and its runtime in one lifespan.

This is the one module that puts the packages together: it mounts the routers each role serves
(scheduler: `/v2` and the OAuth pages; gateway: control, connect and proxy), builds the
`web.state.Runtime` they read (database, credential checks, authorization server, gateway) and
starts and stops the background work (webhook delivery, reservation purge, the gateway's
events and keep-alive). Nothing else writes ``app.state``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from calgate import __version__, allinone
from calgate.api import errors, openapi
from calgate.api import routes as api_routes
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
from calgate.email.messages import send_email_from
from calgate.gateway import router as gateway_routes
from calgate.gateway import runtime as gateway_runtime
from calgate.gateway.config import GatewaySettings
from calgate.oauth.routes import router as oauth_router
from calgate.oauth.runtime import OAuthRuntime
from calgate.oauth.service import principal_for_access_token
from calgate.pages import routes as pages_routes
from calgate.security.crypto import Keyring
from calgate.services.api_keys import user_for_api_key
from calgate.services.calendar_writeback import calendar_write_dispatcher
from calgate.services.calendars import calendar_refresher
from calgate.services.slots import purge_expired
from calgate.store.db import Database
from calgate.tasks import Periodic
from calgate.web import bodies, throttle
from calgate.web.credentials import Credentials
from calgate.web.key_use import KeyUse
from calgate.web.ratelimit import RateLimitStore
from calgate.web.state import Runtime
from calgate.webhooks.mail import message_dispatcher
from calgate.webhooks.worker import webhook_dispatcher

log = logging.getLogger("calgate")


def create_app(settings: Settings, *, gateway_settings: GatewaySettings | None = None) -> FastAPI:
    """Build the app. Migrations are the caller's job (`calgate serve` runs them first).

    ``gateway_settings`` replaces what the environment says about the gateway (tests, or a
    caller that has read them already); ignored unless the role serves the gateway.
    """
    settings = settings.with_secret()
    use_pinned_tzdata()
    # Built with the app: the throttle middleware needs it, and the gateway's per-key limit
    # counts in the same store. Its Redis pool, if any, is closed with the lifespan.
    rate_limits = RateLimitStore(
        settings.rate_limit_storage, settings.rate_limit_prefix, settings.secret_key
    )
    gateway = None
    if settings.serves_gateway:
        gateway = gateway_settings or GatewaySettings.from_env(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.calgate = await _start(stack, app, settings, gateway, rate_limits)
            yield

    app = FastAPI(
        title="calgate",
        version=__version__,
        description="Cal.com API v2-compatible scheduling server with a managed-OAuth gateway.",
        lifespan=lifespan,
        # openapi.install serves /docs and /redoc with assets from a package, not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    errors.install(app)
    # Gateway first: routing tries routes in order, and a proxied call should not first be
    # matched against every /v2 route.
    if gateway is not None:
        app.include_router(gateway_routes.router())
    if settings.serves_scheduler:
        for router in api_routes.ROUTERS:
            app.include_router(router)
        app.include_router(oauth_router)
    if gateway is not None:
        app.include_router(gateway_routes.extra_providers(gateway))
    # Limits (README "Limits"): the rate limiter outermost, then the body guard, both before
    # any parsing.
    bodies.install(
        app,
        settings.max_body_bytes,
        settings.max_json_depth,
        proxied=gateway.providers if gateway is not None else (),
    )
    throttle.install(app, settings, rate_limits)

    @app.get("/health", tags=["Health"], summary="Readiness check")
    async def health() -> JSONResponse:
        async with get_runtime_of(app).db.session() as session:
            await session.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    openapi.install(app)
    if settings.serves_scheduler:
        # Last: `/{username}` must never shadow an API, gateway or docs route.
        pages_routes.install(app)
    return app


def get_runtime_of(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.calgate
    return runtime


async def _start(
    stack: AsyncExitStack,
    app: FastAPI,
    settings: Settings,
    gateway: GatewaySettings | None,
    rate_limits: RateLimitStore,
) -> Runtime:
    """Open everything the role needs; `stack` closes it in reverse order."""
    stack.push_async_callback(rate_limits.aclose)
    db = Database(settings.database_url, pool_size=settings.pool_size)
    stack.push_async_callback(db.dispose)
    send_email_from(db, settings.sends_email)
    runtime = Runtime(settings=settings, db=db, rate_limits=rate_limits)
    if settings.serves_scheduler:
        runtime.credentials = Credentials(
            api_key=user_for_api_key,
            access_token=principal_for_access_token,
            key_use=KeyUse(db),
        )
        runtime.oauth = OAuthRuntime.open(settings, db, rate_limits)
        stack.callback(runtime.oauth.close)
        # create_app has made sure of a secret key, which the keyring is derived from.
        runtime.keyring = Keyring((gateway or GatewaySettings.from_env(settings)).token_keys)
        if settings.webhook_worker:
            dispatcher = webhook_dispatcher(db, settings, runtime.keyring)
            await dispatcher.start()
            stack.push_async_callback(dispatcher.stop)
            messages = message_dispatcher(db, settings)
            await messages.start()
            stack.push_async_callback(messages.stop)
        if settings.reservation_purge_interval > 0:
            purge = reservation_purge(settings, db)
            purge.start()
            stack.push_async_callback(purge.stop)
        refresher = await stack.enter_async_context(
            calendar_refresher(settings, db, runtime.keyring)
        )
        refresher.start()
        stack.push_async_callback(refresher.stop)
        if settings.webhook_worker:
            writes = calendar_write_dispatcher(db, settings, runtime.keyring)
            await writes.start()
            stack.push_async_callback(writes.stop)
    if gateway is not None:
        mounts = None
        if settings.role == "all":
            # All-in-one: the gateway is an OAuth client of the embedded server, and calls
            # to this very process need no loopback round trip.
            gateway = await allinone.register_embedded_gateway(db, settings, gateway)
            if allinone.points_at_us(gateway, settings):
                mounts = allinone.in_process_mounts(app, settings)
        runtime.gateway = await stack.enter_async_context(
            gateway_runtime.running(settings, gateway, db, mounts, rate_limits)
        )
    return runtime


def reservation_purge(settings: Settings, db: Database) -> Periodic:
    """Deletes expired slot reservations every CALGATE_RESERVATION_PURGE_INTERVAL seconds."""

    async def sweep() -> None:
        purged = await purge_expired(db)
        if purged:
            log.info("purged %d expired slot reservations", purged)

    return Periodic("reservation-purge", settings.reservation_purge_interval, sweep)


__all__ = ["create_app", "get_runtime_of", "reservation_purge"]

"""ASGI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from calgate import __version__
from calgate.api import errors, openapi
from calgate.api.deps import AppState
from calgate.api.routes import routers_for
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
from calgate.store.db import Database
from calgate.web import bodies, throttle
from calgate.webhooks.worker import Dispatcher

log = logging.getLogger("calgate")


def create_app(settings: Settings) -> FastAPI:
    """Build the app. Migrations are the caller's job (`calgate serve` runs them first)."""
    settings = settings.with_secret()
    use_pinned_tzdata()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url, pool_size=settings.pool_size)
        app.state.calgate = AppState(settings=settings, db=db)
        if settings.role == "all":
            await _wire_embedded_gateway(app, settings, db)
        webhooks_here = settings.webhook_worker and settings.serves_scheduler
        dispatcher = Dispatcher(db, settings) if webhooks_here else None
        if dispatcher is not None:
            await dispatcher.start()
        try:
            yield
        finally:
            if dispatcher is not None:
                await dispatcher.stop()
            await db.dispose()

    app = FastAPI(
        title="calgate",
        version=__version__,
        description="Cal.com API v2-compatible scheduling server with a managed-OAuth gateway.",
        lifespan=lifespan,
    )
    errors.install(app)
    # Limits (issue 12): the rate limiter outermost, then the body guard, before any parsing.
    bodies.install(app, settings.max_body_bytes, settings.max_json_depth)
    throttle.install(app, settings)
    for router in routers_for(settings.role):
        app.include_router(router)

    @app.get("/health", tags=["Health"], summary="Readiness check")
    async def health() -> JSONResponse:
        state: AppState = app.state.calgate
        async with state.db.session() as session:
            await session.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    openapi.install(app)
    return app


async def _wire_embedded_gateway(app: FastAPI, settings: Settings, db: Database) -> None:
    """All-in-one: register the gateway at the embedded OAuth server and, when its provider is
    this very process, let it call in without a loopback HTTP round trip. Runs before the
    gateway's own start-up, which reads both (tests may preset their own settings)."""
    from calgate import allinone

    if getattr(app.state, "gateway_settings", None) is None:
        app.state.gateway_settings = await allinone.register_embedded_gateway(db, settings)
    if getattr(app.state, "gateway_mounts", None) is None and allinone.points_at_us(
        app.state.gateway_settings, settings
    ):
        app.state.gateway_mounts = allinone.in_process_mounts(app, settings)

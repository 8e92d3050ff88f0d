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
from calgate.api.routes import ROUTERS
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
from calgate.store.db import Database

log = logging.getLogger("calgate")


def create_app(settings: Settings) -> FastAPI:
    """Build the app. Migrations are the caller's job (`calgate serve` runs them first)."""
    settings = settings.with_secret()
    use_pinned_tzdata()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url, pool_size=settings.pool_size)
        app.state.calgate = AppState(settings=settings, db=db)
        try:
            yield
        finally:
            await db.dispose()

    app = FastAPI(
        title="calgate",
        version=__version__,
        description="Cal.com API v2-compatible scheduling server with a managed-OAuth gateway.",
        lifespan=lifespan,
    )
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/health", tags=["Health"], summary="Readiness check")
    async def health() -> JSONResponse:
        state: AppState = app.state.calgate
        async with state.db.session() as session:
            await session.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    openapi.install(app)
    return app

"""Managed-OAuth gateway: gateway keys, /connections, /connect and the /{app}/... proxy.

It reaches providers only over HTTP at configured URLs (never calgate.api, .services or
.oauth), so the embedded server and a real Cal.com are the same to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter

from calgate.gateway import connect, control, events_api, proxy, runtime
from calgate.gateway.config import CAL_COM, GatewaySettings, Provider

__all__ = ["GatewaySettings", "Provider", "router"]


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    async with runtime.lifespan(app):
        # Providers configured beyond the built-in ones get their proxy route now, appended
        # after every other route so they can never shadow the API.
        for name in app.state.gateway.settings.providers:
            if name != CAL_COM:
                app.router.add_route(
                    f"/{name}/{{path:path}}",
                    proxy.make_endpoint(name),
                    methods=proxy.METHODS,
                    include_in_schema=False,
                )
        yield


router = APIRouter(lifespan=_lifespan)
router.include_router(control.router)
router.include_router(events_api.router)
router.include_router(connect.router)
router.add_route(
    f"/{CAL_COM}/{{path:path}}",
    proxy.make_endpoint(CAL_COM),
    methods=proxy.METHODS,
    include_in_schema=False,
)

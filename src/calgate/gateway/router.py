"""The gateway's routes: the control API, gateway-key events, the connect flow and one proxy
route per configured provider."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.gateway import connect, control, events_api, proxy
from calgate.gateway.config import CAL_COM, GatewaySettings


def _proxy(router: APIRouter, app: str) -> None:
    router.add_route(
        f"/{app}/{{path:path}}",
        proxy.make_endpoint(app),
        methods=proxy.METHODS,
        include_in_schema=False,
    )


def router() -> APIRouter:
    """Control, events, connect, and the built-in provider's proxy."""
    routes = APIRouter()
    routes.include_router(control.router)
    routes.include_router(events_api.router)
    routes.include_router(connect.router)
    _proxy(routes, CAL_COM)
    return routes


def extra_providers(settings: GatewaySettings) -> APIRouter:
    """Proxy routes of the providers configured beyond the built-in one; mounted after every
    other route, so they can never shadow the API."""
    routes = APIRouter()
    for app in settings.providers:
        if app != CAL_COM:
            _proxy(routes, app)
    return routes

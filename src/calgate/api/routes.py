"""Which routers each server role mounts (see Settings.role)."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.api import me, timezones
from calgate.api.bookings.router import router as bookings
from calgate.api.event_types.router import router as event_types
from calgate.api.schedules.router import router as schedules
from calgate.api.slots.router import router as slots
from calgate.api.webhooks.router import event_type_router as event_type_webhooks
from calgate.api.webhooks.router import router as webhooks
from calgate.gateway import router as gateway
from calgate.oauth.web import router as oauth

# The scheduler: Cal.com's /v2 API and its OAuth 2.0 authorization server.
SCHEDULER_ROUTERS: list[APIRouter] = [
    me.router,
    schedules,
    event_types,
    slots,
    bookings,
    webhooks,
    event_type_webhooks,
    timezones.router,
    oauth,
]
# The managed-OAuth gateway: /connections, /connect and the /cal-com/... proxy.
GATEWAY_ROUTERS: list[APIRouter] = [gateway]

# Gateway first: routing tries routes in order, and a proxied call should not first be matched
# against every /v2 route.
ROUTERS: list[APIRouter] = [*GATEWAY_ROUTERS, *SCHEDULER_ROUTERS]


def routers_for(role: str) -> list[APIRouter]:
    return {"scheduler": SCHEDULER_ROUTERS, "gateway": GATEWAY_ROUTERS}.get(role, ROUTERS)

"""The scheduler's `/v2` API routers (Cal.com's resources), mounted by the composition root."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.api import api_keys, me, timezones
from calgate.api.bookings.people import router as booking_people
from calgate.api.bookings.router import router as bookings
from calgate.api.calendars.router import router as calendars
from calgate.api.conferencing.router import router as conferencing
from calgate.api.event_types.private_links import router as private_links
from calgate.api.event_types.router import router as event_types
from calgate.api.schedules.router import router as schedules
from calgate.api.slots.router import router as slots
from calgate.api.teams.event_types import router as team_event_types
from calgate.api.teams.reassign import router as reassign
from calgate.api.teams.router import router as teams
from calgate.api.teams.webhooks import router as team_event_type_webhooks
from calgate.api.verified_resources.router import router as verified_resources
from calgate.api.verified_resources.teams import router as team_verified_resources
from calgate.api.webhooks.router import event_type_router as event_type_webhooks
from calgate.api.webhooks.router import router as webhooks

ROUTERS: list[APIRouter] = [
    me.router,
    schedules,
    event_types,
    slots,
    bookings,
    booking_people,
    webhooks,
    event_type_webhooks,
    teams,
    team_event_types,
    team_event_type_webhooks,
    reassign,
    timezones.router,
    calendars,
    conferencing,
    verified_resources,
    private_links,
    api_keys.router,
    team_verified_resources,
]

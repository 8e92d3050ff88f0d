from __future__ import annotations

from fastapi import APIRouter

from calgate.api import me, timezones
from calgate.api.bookings.router import router as bookings
from calgate.api.event_types.router import router as event_types
from calgate.api.schedules.router import router as schedules
from calgate.api.slots.router import router as slots

ROUTERS: list[APIRouter] = [me.router, schedules, event_types, slots, bookings, timezones.router]

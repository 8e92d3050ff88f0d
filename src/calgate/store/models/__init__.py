"""ORM models. Import from here so Alembic and the app see every table."""

from calgate.store.models.base import Base, utcnow
from calgate.store.models.bookings import Attendee, Booking, BookingBlock, SlotReservation
from calgate.store.models.event_types import EventType, Host
from calgate.store.models.schedules import Availability, Schedule
from calgate.store.models.users import ApiKey, User

__all__ = [
    "ApiKey",
    "Attendee",
    "Availability",
    "Base",
    "Booking",
    "BookingBlock",
    "EventType",
    "Host",
    "Schedule",
    "SlotReservation",
    "User",
    "utcnow",
]

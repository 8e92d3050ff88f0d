"""The API's resources, each written once for `Client` and `AsyncClient` (see `_resource`).

Each module also has the functions describing its calls (`bookings.get_booking(uid)` is a
`Call`), which the CLI runs with `client.data(...)` to print the API's answer verbatim.
"""

from calgate.client.resources._resource import Resource, Tr, child
from calgate.client.resources.bookings import AsyncBookings, Bookings
from calgate.client.resources.calendars import (
    AsyncCalendars,
    AsyncConferencing,
    Calendars,
    Conferencing,
)
from calgate.client.resources.connections import AsyncConnections, Connections
from calgate.client.resources.event_types import AsyncEventTypes, EventTypes
from calgate.client.resources.me import AsyncMe, Me
from calgate.client.resources.schedules import AsyncSchedules, Schedules
from calgate.client.resources.slots import AsyncSlots, Slots
from calgate.client.resources.teams import AsyncTeams, Teams
from calgate.client.resources.verified_resources import AsyncVerifiedResources, VerifiedResources
from calgate.client.resources.webhooks import AsyncWebhooks, Webhooks


class Resources(Resource[Tr]):
    """Every resource, as attributes of a client of either flavour."""

    me = child(Me, AsyncMe)
    event_types = child(EventTypes, AsyncEventTypes)
    bookings = child(Bookings, AsyncBookings)
    schedules = child(Schedules, AsyncSchedules)
    slots = child(Slots, AsyncSlots)
    webhooks = child(Webhooks, AsyncWebhooks)
    calendars = child(Calendars, AsyncCalendars)
    conferencing = child(Conferencing, AsyncConferencing)
    teams = child(Teams, AsyncTeams)
    verified_resources = child(VerifiedResources, AsyncVerifiedResources)
    connections = child(Connections, AsyncConnections)

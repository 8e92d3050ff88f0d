"""The MCP server: tools for what an agent does with the calgate skill, on the async SDK.

Tools never touch a database, so the server works against any calgate, Cal.com itself, or a
gateway. API failures come back as tool errors carrying the API's message and reasons.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from calgate.client.async_client import AsyncClient
from calgate.client.config import ClientConfig
from calgate.client.errors import ApiError, CalgateClientError, NotSupported
from calgate.client.mcp import shapes

P = ParamSpec("P")
R = TypeVar("R")

INSTRUCTIONS = """\
Scheduling through calgate (Cal.com API v2). Typical flow: list_event_types, find_slots for a
range in the user's time zone, book one of the returned times, then list_bookings to confirm.
Times without an offset are read in the time zone given (default: the user's own). If a time
is refused, explain_time says why and which times are nearest. In gateway mode, a missing or
FAILED connection is fixed by create_connection: give the user the returned url to open.
"""

EventTypeId = Annotated[int, Field(description="Event type id (see list_event_types).")]
Start = Annotated[
    str,
    Field(description="ISO start, e.g. 2026-12-01T09:00 (wall time in time_zone) or with offset."),
]
TimeZone = Annotated[
    str | None,
    Field(description="IANA zone for reading and showing times; default: the user's own."),
]
Uid = Annotated[str, Field(description="Booking uid.")]


def tool_errors(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """API and input errors as MCP tool errors (the agent reads them), never a crash."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except NotSupported as exc:
            raise ToolError(f"{exc.message}. This calgate server does not have it yet.") from exc
        except ApiError as exc:
            detail = f" reasons: {json.dumps(exc.reasons)}" if exc.reasons else ""
            raise ToolError(f"{exc.status_code} {exc.code or ''}: {exc.message}.{detail}") from exc
        except CalgateClientError as exc:
            raise ToolError(exc.message) from exc
        except ValueError as exc:
            raise ToolError(str(exc)) from exc

    return wrapper


class Api:
    """One SDK client for the server's life, made in the server's event loop on first use."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self._client: AsyncClient | None = None
        self._home: str | None = None

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            self._client = AsyncClient(config=self.config)
        return self._client

    async def zone(self, name: str | None) -> ZoneInfo:
        if not name:
            if self._home is None:
                self._home = (await self.client.me.get()).time_zone or "UTC"
            name = self._home
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc


def build(config: ClientConfig) -> MCPServer:
    server: MCPServer = MCPServer("calgate", instructions=INSTRUCTIONS)
    api = Api(config)
    tool = server.tool

    @tool(description="The user's profile: name, email, and home time zone.")
    @tool_errors
    async def whoami() -> dict[str, Any]:
        me = await api.client.me.get()
        return me.model_dump(
            by_alias=True, include={"id", "name", "email", "username", "time_zone"}
        )

    @tool(description="Free start times of an event type between two dates, grouped by day.")
    @tool_errors
    async def find_slots(
        event_type_id: EventTypeId,
        start: Annotated[str, Field(description="First day, YYYY-MM-DD (or ISO date-time).")],
        end: Annotated[str, Field(description="Last day, YYYY-MM-DD, included.")],
        time_zone: TimeZone = None,
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        days = await api.client.slots.available(event_type_id, start, end, time_zone=str(tz))
        grouped: dict[str, list[str]] = {}
        for slots in days.values():
            for s in slots:
                local = s.start.astimezone(tz)
                grouped.setdefault(local.date().isoformat(), []).append(local.strftime("%H:%M"))
        return {"timeZone": str(tz), "eventTypeId": event_type_id, "days": grouped}

    @tool(description="Why a start time is or is not bookable, and the nearest free starts.")
    @tool_errors
    async def explain_time(
        event_type_id: EventTypeId, start: Start, time_zone: TimeZone = None
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        moment = shapes.parse_start(start, tz)
        ex = await api.client.slots.explain(event_type_id, moment, time_zone=str(tz))
        return shapes.explanation(ex, tz)

    @tool(description="Hold a free slot for a few minutes while the user decides.")
    @tool_errors
    async def reserve_slot(
        event_type_id: EventTypeId, start: Start, time_zone: TimeZone = None
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        held = await api.client.slots.reserve(event_type_id, shapes.parse_start(start, tz))
        return {
            "reservationUid": held.reservation_uid,
            "start": shapes.when(held.slot_start, tz),
            "heldUntil": shapes.when(held.reservation_until, tz),
        }

    @tool(
        description="Book a free slot for an attendee (check find_slots first). A recurring "
        "event type books its whole series: the answer is the series' recurringBookingUid and "
        "every occurrence."
    )
    @tool_errors
    async def book(
        event_type_id: EventTypeId,
        start: Start,
        name: Annotated[str, Field(description="Attendee's name.")],
        email: Annotated[str, Field(description="Attendee's email.")],
        time_zone: TimeZone = None,
        guests: Annotated[list[str] | None, Field(description="Extra guest emails.")] = None,
        reservation_uid: Annotated[
            str | None, Field(description="Uid from reserve_slot, to book the held slot.")
        ] = None,
        recurrence_count: Annotated[
            int | None,
            Field(
                ge=1,
                description="Recurring event types: how many occurrences (default: all).",
            ),
        ] = None,
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        made = await api.client.bookings.create(
            event_type_id=event_type_id,
            start=shapes.parse_start(start, tz),
            name=name,
            email=email,
            time_zone=str(tz),
            guests=guests,
            reservation_uid=reservation_uid,
            recurrence_count=recurrence_count,
        )
        return shapes.booking_or_series(made, tz)

    @tool(description="The user's bookings, soonest first.")
    @tool_errors
    async def list_bookings(
        status: Annotated[
            str | None,
            Field(description="upcoming, past, cancelled, unconfirmed (comma-separated)."),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=250, description="At most this many.")] = 20,
        time_zone: TimeZone = None,
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        rows: list[dict[str, Any]] = []
        async for b in api.client.bookings.list(status, page_size=min(limit, 100)):
            rows.append(shapes.booking(b, tz))
            if len(rows) >= limit:
                break
        return {"bookings": rows}

    @tool(description="One booking by uid; a recurringBookingUid gives every occurrence.")
    @tool_errors
    async def get_booking(uid: Uid, time_zone: TimeZone = None) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        return shapes.booking_or_series(await api.client.bookings.get(uid), tz)

    @tool(description="Cancel a booking; a recurringBookingUid cancels every occurrence left.")
    @tool_errors
    async def cancel_booking(
        uid: Uid,
        reason: Annotated[str | None, Field(description="Reason shown to attendees.")] = None,
        cancel_subsequent: Annotated[
            bool, Field(description="Also cancel the later occurrences of its recurring series.")
        ] = False,
        time_zone: TimeZone = None,
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        cancelled = await api.client.bookings.cancel(
            uid, reason=reason, cancel_subsequent_bookings=cancel_subsequent
        )
        return shapes.booking_or_series(cancelled, tz)

    @tool(description="Move a booking to a new start; returns the new booking (new uid).")
    @tool_errors
    async def reschedule_booking(
        uid: Uid,
        start: Start,
        reason: Annotated[str | None, Field(description="Reason shown to attendees.")] = None,
        time_zone: TimeZone = None,
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        moved = await api.client.bookings.reschedule(
            uid, shapes.parse_start(start, tz), reason=reason
        )
        return shapes.booking(moved, tz)

    @tool(description="The people of a booking (host's or attendee's view).")
    @tool_errors
    async def list_attendees(uid: Uid) -> dict[str, Any]:
        found = await api.client.bookings.attendees.list(uid)
        return {"attendees": [shapes.attendee(a) for a in found]}

    @tool(description="Add one attendee to an existing booking; they get the invite by email.")
    @tool_errors
    async def add_attendee(
        uid: Uid,
        name: Annotated[str, Field(description="Attendee's name.")],
        email: Annotated[str, Field(description="Attendee's email.")],
        time_zone: TimeZone = None,
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        added = await api.client.bookings.attendees.add(
            uid, name=name, email=email, time_zone=str(tz)
        )
        return shapes.attendee(added)

    @tool(description="Add guests (up to 10 emails) to an existing booking.")
    @tool_errors
    async def add_guests(
        uid: Uid,
        emails: Annotated[list[str], Field(description="Guest emails.", max_length=10)],
        time_zone: TimeZone = None,
    ) -> dict[str, Any]:
        tz = await api.zone(time_zone)
        return shapes.booking(await api.client.bookings.add_guests(uid, emails), tz)

    @tool(description="The user's event types (what people can book).")
    @tool_errors
    async def list_event_types() -> dict[str, Any]:
        return {"eventTypes": [shapes.event_type(e) for e in await api.client.event_types.list()]}

    @tool(description="One event type by id.")
    @tool_errors
    async def get_event_type(event_type_id: EventTypeId) -> dict[str, Any]:
        return shapes.event_type(await api.client.event_types.get(event_type_id))

    @tool(description="Create an event type.")
    @tool_errors
    async def create_event_type(
        title: Annotated[str, Field(description="Name shown to bookers.")],
        slug: Annotated[str, Field(description="URL slug, unique for the user.")],
        length_in_minutes: Annotated[int, Field(ge=1, le=1440, description="Duration.")],
        description: Annotated[str | None, Field(description="Description.")] = None,
    ) -> dict[str, Any]:
        extra = {"description": description} if description else {}
        made = await api.client.event_types.create(
            title=title, slug=slug, length_in_minutes=length_in_minutes, **extra
        )
        return shapes.event_type(made)

    @tool(description="Change an event type; only the fields given change.")
    @tool_errors
    async def update_event_type(
        event_type_id: EventTypeId,
        title: str | None = None,
        slug: str | None = None,
        length_in_minutes: Annotated[int | None, Field(ge=1, le=1440)] = None,
        description: str | None = None,
        hidden: bool | None = None,
    ) -> dict[str, Any]:
        fields = {
            k: v
            for k, v in (
                ("title", title),
                ("slug", slug),
                ("lengthInMinutes", length_in_minutes),
                ("description", description),
                ("hidden", hidden),
            )
            if v is not None
        }
        if not fields:
            raise ValueError("nothing to change: give at least one field")
        return shapes.event_type(await api.client.event_types.update(event_type_id, **fields))

    @tool(description="Delete an event type.")
    @tool_errors
    async def delete_event_type(event_type_id: EventTypeId) -> dict[str, Any]:
        await api.client.event_types.delete(event_type_id)
        return {"deleted": event_type_id}

    @tool(description="The user's schedules (working hours and date overrides).")
    @tool_errors
    async def list_schedules() -> dict[str, Any]:
        return {"schedules": [shapes.schedule(s) for s in await api.client.schedules.list()]}

    @tool(description="One schedule by id, or the default schedule when no id is given.")
    @tool_errors
    async def get_schedule(schedule_id: int | None = None) -> dict[str, Any]:
        schedules = api.client.schedules
        found = await (schedules.get(schedule_id) if schedule_id else schedules.default())
        return shapes.schedule(found)

    @tool(description="The user's webhooks.")
    @tool_errors
    async def list_webhooks() -> dict[str, Any]:
        return {"webhooks": [shapes.webhook(h) for h in await api.client.webhooks.list()]}

    @tool(description="Create a webhook called on booking events (e.g. BOOKING_CREATED).")
    @tool_errors
    async def create_webhook(
        subscriber_url: Annotated[str, Field(description="HTTPS URL to call.")],
        triggers: Annotated[list[str], Field(description="Events, e.g. ['BOOKING_CREATED'].")],
    ) -> dict[str, Any]:
        hook = await api.client.webhooks.create(subscriber_url=subscriber_url, triggers=triggers)
        return shapes.webhook(hook)

    @tool(description="Delete a webhook.")
    @tool_errors
    async def delete_webhook(webhook_id: int) -> dict[str, Any]:
        await api.client.webhooks.delete(webhook_id)
        return {"deleted": webhook_id}

    @tool(description="Gateway mode: the gateway key's connections and their status.")
    @tool_errors
    async def list_connections(
        status: Annotated[str | None, Field(description="PENDING, ACTIVE or FAILED.")] = None,
    ) -> dict[str, Any]:
        rows = await api.client.connections.list(status=status)
        return {"connections": [shapes.connection(c) for c in rows]}

    @tool(description="Gateway mode: start a connection; the user must open the returned url.")
    @tool_errors
    async def create_connection(app: str = "cal-com") -> dict[str, Any]:
        return shapes.connection(await api.client.connections.create(app))

    @tool(description="Gateway mode: one connection's status (poll after the user opened url).")
    @tool_errors
    async def get_connection(connection_id: str) -> dict[str, Any]:
        return shapes.connection(await api.client.connections.get(connection_id))

    @tool(description="Gateway mode: delete a connection (its access is revoked).")
    @tool_errors
    async def delete_connection(connection_id: str) -> dict[str, Any]:
        await api.client.connections.delete(connection_id)
        return {"deleted": connection_id}

    return server

"""Rich views of API objects, with times in the caller's zone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from calgate.client.cli.common import local, out
from calgate.client.models import Booking, EventType, Schedule, Slot, User, Webhook


def user(me: User) -> None:
    table = Table.grid(padding=(0, 2))
    for label, value in (
        ("id", me.id),
        ("name", me.name),
        ("email", me.email),
        ("username", me.username),
        ("time zone", me.time_zone),
        ("default schedule", me.default_schedule_id),
    ):
        table.add_row(f"[bold]{label}[/bold]", "" if value is None else str(value))
    out.print(table)


def bookings(rows: Iterable[Booking], tz: ZoneInfo, title: str = "Bookings") -> None:
    table = Table(title=f"{title} ({tz})")
    table.add_column("start", no_wrap=True)
    for name in ("end", "title", "status", "attendees"):
        table.add_column(name)
    # Uids are copied into the next command: never cut one short.
    table.add_column("uid", no_wrap=True, min_width=22)
    for b in rows:
        table.add_row(
            local(b.start, tz, "%a %d %b %Y %H:%M"),
            local(b.end, tz, "%H:%M"),
            b.title or "",
            b.status or "",
            ", ".join(a.email or a.name or "" for a in b.attendees),
            b.uid,
        )
    out.print(table if table.row_count else "no bookings")


def booking(b: Booking, tz: ZoneInfo, verb: str = "Booking") -> None:
    series = f"\n  series:    {b.recurring_booking_uid}" if b.recurring_booking_uid else ""
    out.print(
        f"[bold]{verb}[/bold] {b.title or ''}\n"
        f"  when:      {local(b.start, tz)}-{local(b.end, tz, '%H:%M')} ({tz})\n"
        f"  status:    {b.status or ''}\n"
        f"  attendees: {', '.join(a.email or '' for a in b.attendees)}\n"
        f"  uid:       {b.uid}" + series
    )


def booking_or_series(data: Any, tz: ZoneInfo, verb: str = "Booking") -> None:
    """The API's `data` for one booking, or for a recurring series (a list): then the
    series' uid and a table of every occurrence."""
    if not isinstance(data, list):
        booking(Booking.model_validate(data), tz, verb)
        return
    rows = [Booking.model_validate(row) for row in data]
    series = rows[0].recurring_booking_uid if rows else None
    count = f"{len(rows)} occurrence{'' if len(rows) == 1 else 's'}"
    out.print(f"[bold]{verb}[/bold] {count} of recurring booking {series}")
    bookings(rows, tz, "Occurrences")


def event_types(rows: Iterable[EventType]) -> None:
    table = Table("id", "slug", "title", "minutes", "hidden", title="Event types")
    for et in rows:
        table.add_row(
            str(et.id),
            et.slug,
            et.title,
            str(et.length_in_minutes or ""),
            "yes" if et.hidden else "",
        )
    out.print(table if table.row_count else "no event types")


def event_type(et: EventType) -> None:
    out.print(
        f"[bold]{et.title}[/bold] (id {et.id}, slug {et.slug}, {et.length_in_minutes} min)"
        + (f"\n  {et.booking_url}" if et.booking_url else "")
    )


def schedules(rows: Iterable[Schedule]) -> None:
    table = Table("id", "name", "time zone", "default", "hours", title="Schedules")
    for s in rows:
        hours = "; ".join(
            f"{','.join(d[:3] for d in a.days)} {a.start_time}-{a.end_time}" for a in s.availability
        )
        table.add_row(str(s.id), s.name, s.time_zone or "", "yes" if s.is_default else "", hours)
    out.print(table if table.row_count else "no schedules")


def webhooks(rows: Iterable[Webhook]) -> None:
    table = Table("id", "url", "triggers", "active", title="Webhooks")
    for h in rows:
        table.add_row(str(h.id), h.subscriber_url, ", ".join(h.triggers), str(h.active))
    out.print(table if table.row_count else "no webhooks")


def slot_weeks(slots: Iterable[Slot], first: date, last: date, tz: ZoneInfo, title: str) -> None:
    """One table per week (Monday first), a column per day, free start times down each."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for s in sorted(slots, key=lambda s: s.start):
        moment = s.start.astimezone(tz)
        by_day[moment.date()].append(moment.strftime("%H:%M"))
    if not by_day:
        out.print(f"no free slots from {first} to {last} ({tz})")
        return
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        days = [monday + timedelta(days=i) for i in range(7)]
        table = Table(title=f"{title}: week of {monday:%d %b %Y} ({tz})")
        for d in days:
            table.add_column(d.strftime("%a %d"), justify="center")
        depth = max(len(by_day.get(d, [])) for d in days)
        for i in range(depth):
            table.add_row(*(_nth(by_day.get(d, []), i) for d in days))
        if depth:
            out.print(table)
        monday += timedelta(days=7)


def _nth(times: list[str], i: int) -> str:
    return times[i] if i < len(times) else ""

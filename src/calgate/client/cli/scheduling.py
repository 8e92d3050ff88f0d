"""`calgate me`, `slots`, `why`, `book`: the everyday commands."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import typer

from calgate.client.cli import render
from calgate.client.cli.common import (
    JsonOpt,
    ProfileOpt,
    TzOpt,
    api,
    emit,
    local,
    out,
    parse_start,
    resolve_event_type,
    zone,
)
from calgate.client.models import Explanation, Slot, User
from calgate.client.resources import bookings
from calgate.client.resources import me as me_calls
from calgate.client.resources import slots as slot_calls


def me(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show who the credentials belong to."""
    with api(profile) as client:
        data = client.data(me_calls.get_me())
        emit(as_json, data, lambda: render.user(User.model_validate(data)))


def slots(
    event_type: Annotated[str, typer.Argument(help="Event type id or slug.")],
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (included).")
    ] = None,
    tz: TzOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Free start times as a week grid in your time zone (default: the next 7 days)."""
    zi = zone(tz)
    first = start.date() if start else datetime.now(zi).date()
    last = end.date() if end else first + timedelta(days=6)
    if last < first:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    with api(profile) as client:
        et_id = resolve_event_type(client, event_type)
        call = slot_calls.available_slots(et_id, first, last, time_zone=str(zi))
        data = client.data(call)

        def human() -> None:
            found = [Slot.model_validate(s) for day in (data or {}).values() for s in day]
            render.slot_weeks(found, first, last, zi, f"Event type {event_type}")

        emit(as_json, data, human)


def why(
    event_type: Annotated[str, typer.Argument(help="Event type id or slug.")],
    start: Annotated[str, typer.Argument(help="Start, e.g. 2026-12-01T15:00 (your zone).")],
    tz: TzOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Explain why a start time is (not) bookable."""
    zi = zone(tz)
    moment = parse_start(start, zi)
    with api(profile) as client:
        et_id = resolve_event_type(client, event_type)
        data = client.data(slot_calls.explain_slot(et_id, moment, time_zone=str(zi)))

        def human() -> None:
            ex = Explanation.model_validate(data)
            verdict = "[green]bookable[/green]" if ex.bookable else "[red]not bookable[/red]"
            out.print(f"{local(moment, zi)} ({zi}) is {verdict}")
            for reason in ex.reasons:
                out.print(f"  - {reason.code}: {reason.message or ''}")
            if ex.nearest and (ex.nearest.before or ex.nearest.after):
                out.print(
                    f"  nearest: before {local(ex.nearest.before, zi) or '-'}, "
                    f"after {local(ex.nearest.after, zi) or '-'}"
                )

        emit(as_json, data, human)


def book(
    event_type: Annotated[str, typer.Argument(help="Event type id or slug.")],
    start: Annotated[str, typer.Argument(help="Start, e.g. 2026-12-01T15:00 (your zone).")],
    name: Annotated[str, typer.Option("--name", help="Attendee's name.")],
    email: Annotated[str, typer.Option("--email", help="Attendee's email.")],
    guest: Annotated[
        list[str] | None, typer.Option("--guest", help="Extra guest email (repeatable).")
    ] = None,
    occurrences: Annotated[
        int | None,
        typer.Option(
            "--occurrences",
            min=1,
            help="Recurring event types: book this many (default: the event type's count).",
        ),
    ] = None,
    tz: TzOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Book a free slot (a recurring event type: every occurrence of the series)."""
    zi = zone(tz)
    moment = parse_start(start, zi)
    with api(profile) as client:
        et_id = resolve_event_type(client, event_type)
        call = bookings.create_booking(
            event_type_id=et_id,
            start=moment,
            name=name,
            email=email,
            time_zone=str(zi),
            guests=guest or None,
            recurrence_count=occurrences,
        )
        data = client.data(call)
        emit(as_json, data, lambda: render.booking_or_series(data, zi, "Booked"))

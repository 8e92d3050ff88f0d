"""`calgate bookings list|get|cancel|reschedule|confirm|decline`."""

from __future__ import annotations

from typing import Annotated

import typer

from calgate.client.cli import render
from calgate.client.cli.common import JsonOpt, ProfileOpt, TzOpt, api, emit, out, parse_start, zone
from calgate.client.models import Booking
from calgate.client.resources import bookings as calls

app = typer.Typer(help="Your bookings.", no_args_is_help=True)

Uid = Annotated[str, typer.Argument(help="Booking uid.")]
Reason = Annotated[str | None, typer.Option("--reason", help="Reason shown to the others.")]


@app.command("list")
def list_(
    status: Annotated[
        str | None,
        typer.Option(help="upcoming, past, cancelled, unconfirmed, recurring (comma-separated)."),
    ] = None,
    take: Annotated[int, typer.Option(help="Page size (with --json: the one page printed).")] = 100,
    skip: Annotated[int, typer.Option(help="With --json: bookings to skip.")] = 0,
    tz: TzOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List bookings (every page; with --json, the one page asked for)."""
    zi = zone(tz)
    with api(profile) as client:
        if as_json:
            emit(True, client.data(calls.list_bookings(status, take=take, skip=skip)), lambda: None)
            return
        with out.status("Fetching bookings..."):
            rows = list(client.pages(calls.list_bookings(status, take=take, skip=skip)))
        render.bookings(rows, zi, f"Bookings{f' ({status})' if status else ''}")


@app.command()
def get(uid: Uid, tz: TzOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show one booking, or every occurrence of a recurring booking by its series uid."""
    with api(profile) as client:
        data = client.data(calls.get_booking(uid))
        emit(as_json, data, lambda: render.booking_or_series(data, zone(tz)))


@app.command()
def cancel(
    uid: Uid,
    reason: Reason = None,
    subsequent: Annotated[
        bool,
        typer.Option(
            "--subsequent", help="Also cancel the later occurrences of its recurring booking."
        ),
    ] = False,
    tz: TzOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a booking (a recurring booking's series uid: every occurrence left)."""
    with api(profile) as client:
        call = calls.cancel_booking(uid, reason, cancel_subsequent_bookings=subsequent)
        data = client.data(call)
        emit(as_json, data, lambda: render.booking_or_series(data, zone(tz), "Cancelled"))


@app.command()
def reschedule(
    uid: Uid,
    start: Annotated[str, typer.Argument(help="New start, e.g. 2026-12-01T15:00 (your zone).")],
    reason: Reason = None,
    tz: TzOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a booking to another start (the answer is the new booking)."""
    zi = zone(tz)
    moment = parse_start(start, zi)
    with api(profile) as client:
        data = client.data(calls.reschedule_booking(uid, moment, reason))
        emit(as_json, data, lambda: render.booking(Booking.model_validate(data), zi, "Moved"))


@app.command()
def confirm(
    uid: Uid, tz: TzOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Confirm a booking that waits for your confirmation."""
    with api(profile) as client:
        data = client.data(calls.confirm_booking(uid))
        emit(
            as_json,
            data,
            lambda: render.booking(Booking.model_validate(data), zone(tz), "Confirmed"),
        )


@app.command()
def decline(
    uid: Uid,
    reason: Reason = None,
    tz: TzOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Decline a booking that waits for your confirmation."""
    with api(profile) as client:
        data = client.data(calls.decline_booking(uid, reason))
        emit(
            as_json,
            data,
            lambda: render.booking(Booking.model_validate(data), zone(tz), "Declined"),
        )

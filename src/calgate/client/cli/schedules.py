"""`calgate schedules list|get|default|create|update|delete`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from calgate.client.cli import render
from calgate.client.cli.common import JsonOpt, ProfileOpt, api, emit, out
from calgate.client.models import Schedule
from calgate.client.resources import schedules as calls

app = typer.Typer(help="Your working hours (schedules).", no_args_is_help=True)

Id = Annotated[int, typer.Argument(help="Schedule id.")]


def _show(data: Any) -> None:
    render.schedules([Schedule.model_validate(data)])


@app.command("list")
def list_(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """List schedules."""
    with api(profile) as client:
        data = client.data(calls.list_schedules())
        emit(as_json, data, lambda: render.schedules(Schedule.model_validate(s) for s in data))


@app.command()
def get(schedule_id: Id, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show one schedule."""
    with api(profile) as client:
        data = client.data(calls.get_schedule(schedule_id))
        emit(as_json, data, lambda: _show(data))


@app.command()
def default(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show the default schedule."""
    with api(profile) as client:
        data = client.data(calls.default_schedule())
        emit(as_json, data, lambda: _show(data))


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Schedule name.")],
    time_zone: Annotated[str, typer.Option("--time-zone", help="The schedule's IANA zone.")],
    make_default: Annotated[bool, typer.Option("--default", help="Make it the default.")] = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a schedule (Mon-Fri 09:00-17:00 unless changed later)."""
    with api(profile) as client:
        data = client.data(calls.create_schedule(name, time_zone, make_default, {}))
        emit(as_json, data, lambda: _show(data))


@app.command()
def update(
    schedule_id: Id,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    time_zone: Annotated[str | None, typer.Option("--time-zone", help="New zone.")] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rename a schedule or move it to another zone."""
    fields = {k: v for k, v in (("name", name), ("timeZone", time_zone)) if v is not None}
    if not fields:
        raise typer.BadParameter("nothing to change: give --name or --time-zone")
    with api(profile) as client:
        data = client.data(calls.update_schedule(schedule_id, fields))
        emit(as_json, data, lambda: _show(data))


@app.command()
def delete(schedule_id: Id, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Delete a schedule."""
    with api(profile) as client:
        data = client.data(calls.delete_schedule(schedule_id))
        emit(as_json, data, lambda: out.print(f"deleted schedule {schedule_id}"))

"""`calgate event-types list|get|create|update|delete`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from calgate.client.cli import render
from calgate.client.cli.common import JsonOpt, ProfileOpt, api, emit, out
from calgate.client.models import EventType
from calgate.client.resources import event_types as calls

app = typer.Typer(help="Your event types (what people can book).", no_args_is_help=True)

Id = Annotated[int, typer.Argument(help="Event type id.")]


@app.command("list")
def list_(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """List event types."""
    with api(profile) as client:
        data = client.data(calls.list_event_types())
        emit(as_json, data, lambda: render.event_types(EventType.model_validate(e) for e in data))


@app.command()
def get(event_type_id: Id, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show one event type."""
    with api(profile) as client:
        data = client.data(calls.get_event_type(event_type_id))
        emit(as_json, data, lambda: render.event_type(EventType.model_validate(data)))


@app.command()
def create(
    title: Annotated[str, typer.Option(help="Name shown to bookers.")],
    slug: Annotated[str, typer.Option(help="URL slug, unique per user.")],
    length: Annotated[int, typer.Option(help="Duration in minutes.", min=1)],
    description: Annotated[str | None, typer.Option(help="Description.")] = None,
    hidden: Annotated[bool, typer.Option("--hidden", help="Hide from the profile page.")] = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an event type."""
    fields: dict[str, Any] = {"hidden": True} if hidden else {}
    if description is not None:
        fields["description"] = description
    with api(profile) as client:
        data = client.data(calls.create_event_type(title, slug, length, fields))
        emit(as_json, data, lambda: render.event_type(EventType.model_validate(data)))


@app.command()
def update(
    event_type_id: Id,
    title: Annotated[str | None, typer.Option(help="New name.")] = None,
    slug: Annotated[str | None, typer.Option(help="New slug.")] = None,
    length: Annotated[int | None, typer.Option(help="New duration in minutes.", min=1)] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
    hidden: Annotated[
        bool | None, typer.Option("--hidden/--visible", help="Hide or show on the profile.")
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an event type's fields."""
    fields = {
        k: v
        for k, v in (
            ("title", title),
            ("slug", slug),
            ("lengthInMinutes", length),
            ("description", description),
            ("hidden", hidden),
        )
        if v is not None
    }
    if not fields:
        raise typer.BadParameter("nothing to change: give at least one option")
    with api(profile) as client:
        data = client.data(calls.update_event_type(event_type_id, fields))
        emit(as_json, data, lambda: render.event_type(EventType.model_validate(data)))


@app.command()
def delete(event_type_id: Id, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Delete an event type."""
    with api(profile) as client:
        data = client.data(calls.delete_event_type(event_type_id))
        emit(as_json, data, lambda: out.print(f"deleted event type {event_type_id}"))

"""`calgate webhooks list|get|create|update|delete`: user-level webhooks."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from calgate.client.cli import render
from calgate.client.cli.common import JsonOpt, ProfileOpt, api, emit, out
from calgate.client.models import Webhook
from calgate.client.resources import webhooks as calls
from calgate.client.resources.event_types import webhook_body

app = typer.Typer(help="Webhooks on your bookings.", no_args_is_help=True)

Id = Annotated[str, typer.Argument(help="Webhook id.")]


def _show(data: Any) -> None:
    render.webhooks([Webhook.model_validate(data)])


@app.command("list")
def list_(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """List webhooks."""
    with api(profile) as client:
        data = client.data(calls.list_webhooks())
        emit(as_json, data, lambda: render.webhooks(Webhook.model_validate(h) for h in data))


@app.command()
def get(webhook_id: Id, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show one webhook."""
    with api(profile) as client:
        data = client.data(calls.get_webhook(webhook_id))
        emit(as_json, data, lambda: _show(data))


@app.command()
def create(
    url: Annotated[str, typer.Option("--url", help="Subscriber URL.")],
    trigger: Annotated[
        list[str], typer.Option("--trigger", help="Event, e.g. BOOKING_CREATED (repeatable).")
    ],
    secret: Annotated[str | None, typer.Option(help="Signing secret.")] = None,
    inactive: Annotated[bool, typer.Option("--inactive", help="Create it switched off.")] = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a webhook."""
    extra = {"secret": secret} if secret else {}
    with api(profile) as client:
        data = client.data(calls.create_webhook(webhook_body(url, trigger, not inactive, extra)))
        emit(as_json, data, lambda: _show(data))


@app.command()
def update(
    webhook_id: Id,
    url: Annotated[str | None, typer.Option("--url", help="New subscriber URL.")] = None,
    trigger: Annotated[
        list[str] | None, typer.Option("--trigger", help="New events (repeatable).")
    ] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Switch.")] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a webhook."""
    fields = {
        k: v
        for k, v in (("subscriberUrl", url), ("triggers", trigger), ("active", active))
        if v is not None
    }
    if not fields:
        raise typer.BadParameter("nothing to change: give --url, --trigger or --active")
    with api(profile) as client:
        data = client.data(calls.update_webhook(webhook_id, fields))
        emit(as_json, data, lambda: _show(data))


@app.command()
def delete(webhook_id: Id, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Delete a webhook."""
    with api(profile) as client:
        data = client.data(calls.delete_webhook(webhook_id))
        emit(as_json, data, lambda: out.print(f"deleted webhook {webhook_id}"))

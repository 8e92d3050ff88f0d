"""The people's commands of the `calgate` executable, and `calgate mcp`.

`register(app)` adds them to the executable's Typer app; the server commands stay where they
are (src/calgate/cli.py).
"""

from __future__ import annotations

from typing import Annotated

import typer

from calgate.client.cli import bookings, connections, event_types, schedules, webhooks
from calgate.client.cli.common import EXIT_USAGE, ProfileOpt, err
from calgate.client.cli.login import login
from calgate.client.cli.scheduling import book, me, slots, why
from calgate.client.config import ConfigError


def mcp(
    http: Annotated[
        int | None,
        typer.Option("--http", help="Serve streamable HTTP on this port instead of stdio."),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface for --http.")] = "127.0.0.1",
    profile: ProfileOpt = None,
) -> None:
    """Run the MCP server for AI agents (stdio by default), calling the API via the SDK."""
    from calgate.client.mcp import serve

    try:
        serve(profile=profile, http_port=http, host=host)
    except ConfigError as error:
        err.print(f"[red]error:[/red] {error.message}", markup=True)
        raise typer.Exit(EXIT_USAGE) from error


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Client")(login)
    app.command(rich_help_panel="Client")(me)
    app.command(rich_help_panel="Client")(slots)
    app.command(rich_help_panel="Client")(why)
    app.command(rich_help_panel="Client")(book)
    app.command(rich_help_panel="Client")(mcp)
    for name, group in (
        ("event-types", event_types.app),
        ("bookings", bookings.app),
        ("schedules", schedules.app),
        ("webhooks", webhooks.app),
        ("connections", connections.app),
    ):
        app.add_typer(group, name=name, rich_help_panel="Client")

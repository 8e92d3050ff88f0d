"""`calgate connections list|create|get|delete|reconnect` (gateway mode: a gateway key)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.table import Table

from calgate.client.cli.common import (
    EXIT_REFUSED,
    EXIT_SERVER,
    JsonOpt,
    ProfileOpt,
    api,
    emit,
    err,
    out,
)
from calgate.client.models import Connection
from calgate.client.resources import connections as calls
from calgate.client.sync_client import Client

app = typer.Typer(
    help="Gateway connections (the OAuth links a gateway key uses).", no_args_is_help=True
)

Id = Annotated[str, typer.Argument(help="Connection id.")]
Wait = Annotated[
    bool, typer.Option("--wait", help="Wait until the link is completed (ACTIVE) or fails.")
]
Timeout = Annotated[float, typer.Option(help="Seconds to wait at most.")]


def _table(rows: list[Connection]) -> None:
    table = Table("connection_id", "app", "status", "created", "reason", title="Connections")
    for c in rows:
        created = c.creation_time.strftime("%Y-%m-%d %H:%M") if c.creation_time else ""
        table.add_row(c.connection_id, c.app or "", c.status, created, c.status_reason or "")
    out.print(table if table.row_count else "no connections")


def _show(data: Any) -> None:
    c = Connection.model_validate(data["connection"])
    _table([c])
    if c.status != "ACTIVE" and c.url:
        out.print(f"Open this link to authorize:\n{c.url}")


def _wait(client: Client, connection: Connection, timeout: float) -> Connection:
    deadline = time.monotonic() + timeout
    with out.status(f"Waiting for {connection.connection_id} to become ACTIVE..."):
        while connection.status == "PENDING":
            if time.monotonic() > deadline:
                err.print(f"[red]error:[/red] still PENDING after {timeout:g} s", markup=True)
                raise typer.Exit(EXIT_SERVER)
            time.sleep(1)
            connection = client.connections.get(connection.connection_id)
    if connection.status != "ACTIVE":
        err.print(
            f"[red]error:[/red] connection {connection.status}: {connection.status_reason or ''}",
            markup=True,
        )
        raise typer.Exit(EXIT_REFUSED)
    out.print(f"[green]connection {connection.connection_id} is ACTIVE[/green]")
    return connection


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="PENDING, ACTIVE or FAILED.")] = None,
    app_name: Annotated[str, typer.Option("--app", help="App name.")] = "cal-com",
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the gateway key's connections."""
    with api(profile) as client:
        data = client.data(calls.list_connections(app_name, status))
        emit(
            as_json,
            data,
            lambda: _table([Connection.model_validate(c) for c in data["connections"]]),
        )


@app.command()
def create(
    app_name: Annotated[str, typer.Option("--app", help="App name.")] = "cal-com",
    wait: Wait = False,
    timeout: Timeout = 600,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start a connection: prints the link the account owner must open."""
    with api(profile) as client:
        data = client.data(calls.create_connection(app_name))
        emit(as_json, data, lambda: _show(data))
        if wait:
            _wait(client, Connection.model_validate(data["connection"]), timeout)


@app.command()
def get(connection_id: Id, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show one connection."""
    with api(profile) as client:
        data = client.data(calls.get_connection(connection_id))
        emit(as_json, data, lambda: _show(data))


@app.command()
def delete(connection_id: Id, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Delete a connection (its tokens are revoked)."""
    with api(profile) as client:
        data = client.data(calls.delete_connection(connection_id))
        emit(as_json, data, lambda: out.print(f"deleted connection {connection_id}"))


@app.command()
def reconnect(
    connection_id: Id,
    wait: Wait = False,
    timeout: Timeout = 600,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a fresh link for a FAILED (or abandoned) connection."""
    with api(profile) as client:
        data = client.data(calls.reconnect(connection_id))
        emit(as_json, data, lambda: _show(data))
        if wait:
            _wait(client, Connection.model_validate(data["connection"]), timeout)

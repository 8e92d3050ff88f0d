"""`calgate` command line: serve, database and admin commands."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from calgate.config import Env, Settings
from calgate.errors import CalgateError
from calgate.timefmt import iso_z

# The server's modules (app, store, migrations) are imported by the commands that run them:
# `calgate me` and the other client commands start in half the time without them.
if TYPE_CHECKING:
    from calgate.asgi import AppFactory
    from calgate.gateway.config import GatewaySettings
    from calgate.security.crypto import Keyring
    from calgate.store.db import Database

app = typer.Typer(
    help="calgate: Cal.com API v2-compatible scheduling server.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
admin_app = typer.Typer(help="Operator commands.", no_args_is_help=True)


@app.callback()
def _root(
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            envvar="CALGATE_PROFILE",
            help="Client commands: the stored profile to use (see `calgate login`).",
        ),
    ] = None,
) -> None:
    # The root option is CALGATE_PROFILE for the command that follows: the client's commands
    # read their --profile default from that variable when they parse their own arguments,
    # which happens after this callback. Their own --profile still wins.
    if profile:
        os.environ["CALGATE_PROFILE"] = profile


app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")

# soft_wrap: keys and URLs must stay on one line (copy-paste, scripts reading stdout).
console = Console(soft_wrap=True)
err_console = Console(stderr=True)

T = TypeVar("T")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Database URL (default: $CALGATE_DATABASE_URL or SQLite)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _settings(database_url: str | None, env: Env | None = None) -> Settings:
    return Settings.from_env(env, database_url=database_url).with_secret()


def _run(settings: Settings, action: Callable[[Database, Settings], Awaitable[T]]) -> T:
    """Migrate, then run one admin action against a fresh engine."""
    from calgate.store import migrate
    from calgate.store.db import Database

    migrate.upgrade(settings.database_url)

    async def main() -> T:
        db = Database(settings.database_url, pool_size=1)
        try:
            return await action(db, settings)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except CalgateError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


def _emit(as_json: bool, payload: dict[str, Any], human: str) -> None:
    if as_json:
        typer.echo(json.dumps(payload, default=str))
    else:
        console.print(human)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database_url: DatabaseUrl = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Create demo data (once) and print it.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    role: Annotated[
        str,
        typer.Option(
            help="all: scheduler, OAuth pages and gateway on one port; "
            "scheduler: /v2 and /auth only; gateway: /connections, /connect and /cal-com only."
        ),
    ] = "all",
) -> None:
    """Run the HTTP server (migrations are applied first)."""
    from calgate.asgi import AppFactory
    from calgate.config import ROLES
    from calgate.store import migrate

    if role not in ROLES:
        raise typer.BadParameter(f"must be one of {', '.join(ROLES)}", param_hint="--role")
    env = Env()
    settings = replace(_settings(database_url, env), role=role)
    if not env.is_set("CALGATE_PUBLIC_URL"):
        # Redirect URIs, connect links and the gateway's view of "itself" must name the port
        # actually served.
        settings = replace(settings, public_url=f"http://{host}:{port}")
    gateway = None
    if settings.serves_gateway:
        from calgate.gateway.config import GatewaySettings

        gateway = GatewaySettings.from_env(settings, env)
    migrate.upgrade(settings.database_url)
    if demo:
        _print_demo(settings, gateway, f"http://{host}:{port}")
    logging.basicConfig(level=settings.log_level.upper())
    _serve(AppFactory(settings, gateway), settings, host, port, workers)


def _print_demo(settings: Settings, gateway: GatewaySettings | None, base: str) -> None:
    from calgate.allinone import ensure_demo_connection
    from calgate.demo import ensure_demo

    info = _run(settings, ensure_demo)
    if gateway is not None:

        async def connect(db: Database, s: Settings) -> dict[str, Any]:
            return await ensure_demo_connection(db, s, gateway, int(info["user_id"]))

        info.update(_run(settings, connect))
    console.print(f"[bold]Demo data ready[/bold] at {base}")
    for key, value in info.items():
        console.print(f"  {key}: {value}")
    console.print(f"  try: curl -H 'Authorization: Bearer {info['api_key']}' {base}/v2/me")
    if "gateway_key" in info:
        console.print(
            f"       curl -H 'Authorization: Bearer {info['gateway_key']}' {base}/cal-com/v2/me"
        )


def _serve(factory: AppFactory, settings: Settings, host: str, port: int, workers: int) -> None:
    """uvicorn with the settings resolved here handed to every worker process.

    The app factory travels pickled (worker processes are spawned), so each worker builds its
    app from these settings; nothing is passed through the environment.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=False,
    )
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


@app.command()
def worker(database_url: DatabaseUrl = None) -> None:
    """Run webhook delivery workers only (start `serve` with CALGATE_WEBHOOK_WORKER=0 then)."""
    from calgate.store import migrate
    from calgate.webhooks.worker import run_forever

    settings = _settings(database_url)
    migrate.upgrade(settings.database_url)
    logging.basicConfig(level=settings.log_level.upper())
    asyncio.run(run_forever(settings, _keyring(settings)))


@admin_app.command("retry-webhook-delivery")
def retry_webhook_delivery(
    webhook_id: Annotated[int, typer.Option("--webhook-id", help="Webhook id.")],
    delivery_id: Annotated[int, typer.Option("--delivery-id", help="Delivery id.")],
    database_url: DatabaseUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Send a dead (or finished) webhook delivery again, with the same event id."""
    from calgate.services import webhooks

    async def action(db: Database, _: Settings) -> dict[str, Any]:
        d = await webhooks.retry_delivery(db, None, webhook_id, delivery_id)
        return {"id": d.id, "eventId": d.event_id, "status": d.status}

    payload = _run(_settings(database_url), action)
    _emit(as_json, payload, f"delivery {payload['id']} ({payload['eventId']}) queued again")


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None, revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: every head)."""
    from calgate.store import migrate

    settings = Settings.from_env(database_url=database_url)
    migrate.upgrade(settings.database_url, revision)
    console.print(f"database at revision {migrate.current(settings.database_url)}")


@admin_app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Login email.")],
    password: Annotated[str, typer.Option(help="Login password.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    time_zone: Annotated[str, typer.Option("--time-zone", help="IANA time zone.")],
    username: Annotated[
        str | None, typer.Option(help="Public username (default: from email).")
    ] = None,
    database_url: DatabaseUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a user with a default Mon-Fri 09:00-17:00 schedule."""
    from calgate.services import users

    async def action(db: Database, _: Settings) -> dict[str, Any]:
        user = await users.create_user(
            db, email=email, password=password, name=name, time_zone=time_zone, username=username
        )
        return _user_json(user)

    payload = _run(_settings(database_url), action)
    _emit(
        as_json,
        payload,
        f"created user {payload['id']} <{payload['email']}> ({payload['username']})",
    )


@admin_app.command("create-api-key")
def create_api_key(
    email: Annotated[str, typer.Option(help="Owner's email.")],
    name: Annotated[str | None, typer.Option(help="Label for the key.")] = None,
    expires_in_days: Annotated[int | None, typer.Option("--expires-in-days", min=1)] = None,
    database_url: DatabaseUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an API key; it is printed once and only its hash is stored."""
    from calgate.services import api_keys

    async def action(db: Database, settings: Settings) -> dict[str, Any]:
        issued = await api_keys.create_api_key(
            db, settings.secret_key, email, name=name, expires_in_days=expires_in_days
        )
        return {
            "id": issued.record.id,
            "key": issued.key,
            "userId": issued.record.user_id,
            "name": name,
            "expiresAt": iso_z(issued.record.expires_at) if issued.record.expires_at else None,
        }

    payload = _run(_settings(database_url), action)
    _emit(as_json, payload, f"API key (shown once, store it now):\n{payload['key']}")


@admin_app.command("create-gateway-key")
def create_gateway_key(
    name: Annotated[str, typer.Option(help="Label for the key.")],
    events_url: Annotated[
        str | None,
        typer.Option("--events-url", help="Send this key's connection events here (signed)."),
    ] = None,
    database_url: DatabaseUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a gateway key (for /connections and /cal-com/...); printed once, stored hashed."""
    from calgate.gateway.keys import create_gateway_key as create

    async def action(db: Database, settings: Settings) -> dict[str, Any]:
        keyring = _keyring(settings)
        async with db.transaction() as session:
            issued = await create(
                session, settings.secret_key, name, events_url=events_url, keyring=keyring
            )
            payload = {"key": issued.key, "id": issued.record.id, "name": name}
            if issued.events_secret is not None:
                payload.update(events_url=events_url, events_secret=issued.events_secret)
            return payload

    payload = _run(_settings(database_url), action)
    human = f"Gateway key (shown once, store it now):\n{payload['key']}"
    if "events_secret" in payload:
        human += f"\nEvents signing secret (shown once):\n{payload['events_secret']}"
    _emit(as_json, payload, human)


@admin_app.command("rotate-secrets")
def rotate_secrets(database_url: DatabaseUrl = None, as_json: JsonFlag = False) -> None:
    """Re-encrypt every sealed secret (gateway tokens, calendar passwords, webhook secrets)
    under the first key of CALGATE_GATEWAY_TOKEN_KEYS; webhook secrets still in clear are sealed.

    Safe while servers run (their keyrings must hold the old and the new key); afterwards the
    old key can be removed from the configuration.
    """
    from calgate.gateway.rotate import rotate

    async def action(db: Database, settings: Settings) -> dict[str, Any]:
        return (await rotate(db, _keyring(settings))).to_json()

    payload = _run(_settings(database_url), action)
    counts = ", ".join(f"{name}: {n}" for name, n in payload["rotated"].items())
    human = (
        f"Re-encrypted under key {payload['key_id']!r}: {payload['rows_updated']} rows "
        f"({counts}); {payload['remaining']} values left under other keys"
    )
    for place in payload["undecryptable"]:
        human += f"\n[red]cannot decrypt[/red] {place} with any configured key"
    _emit(as_json, payload, human)
    if payload["remaining"]:
        raise typer.Exit(1)


def _keyring(settings: Settings) -> Keyring:
    from calgate.gateway.config import GatewaySettings
    from calgate.security.crypto import Keyring

    return Keyring(GatewaySettings.from_env(settings).token_keys)


@admin_app.command("create-oauth-client")
def create_oauth_client(
    name: Annotated[str, typer.Option(help="Name shown on the consent page.")],
    redirect_uri: Annotated[
        list[str], typer.Option("--redirect-uri", help="Allowed redirect URI (exact match).")
    ],
    public: Annotated[
        bool, typer.Option("--public", help="Public client: no secret, PKCE required.")
    ] = False,
    database_url: DatabaseUrl = None,
    as_json: JsonFlag = False,
) -> None:
    """Register an OAuth client; its secret is printed once and stored hashed."""
    from calgate.oauth.service import create_client

    async def action(db: Database, _: Settings) -> dict[str, Any]:
        async with db.transaction() as session:
            client, secret = await create_client(
                session, name=name, redirect_uris=redirect_uri, is_public=public
            )
            return {
                "client_id": client.client_id,
                "client_secret": secret,
                "name": client.name,
                "redirect_uris": list(client.redirect_uris),
            }

    payload = _run(_settings(database_url), action)
    _emit(
        as_json,
        payload,
        f"OAuth client {payload['client_id']} ({payload['name']})\n"
        f"client_secret (shown once, store it now): {payload['client_secret']}",
    )


@admin_app.command("list-users")
def list_users(database_url: DatabaseUrl = None, as_json: JsonFlag = False) -> None:
    """List users."""
    from calgate.services import users

    async def action(db: Database, _: Settings) -> list[dict[str, Any]]:
        return [_user_json(u) for u in await users.list_users(db)]

    rows = _run(_settings(database_url), action)
    if as_json:
        typer.echo(json.dumps({"users": rows}))
        return
    table = Table("id", "email", "username", "name", "timeZone")
    for row in rows:
        table.add_row(
            str(row["id"]), row["email"], row["username"], row["name"] or "", row["timeZone"]
        )
    console.print(table)


def _user_json(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "name": user.name,
        "timeZone": user.time_zone,
        "defaultScheduleId": user.default_schedule_id,
    }


# --- client commands (login, me, slots, book, bookings, ..., mcp): owned by calgate.client ---
from calgate.client.cli import register as _register_client_commands  # noqa: E402

_register_client_commands(app)
# --- end of client commands ---


def main() -> None:
    app()

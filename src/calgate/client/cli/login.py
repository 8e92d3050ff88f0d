"""`calgate login`: check credentials and store them as a profile."""

from __future__ import annotations

from typing import Annotated

import typer

from calgate.client.cli.common import api, out
from calgate.client.config import DEFAULT_PROFILE, ClientConfig, ProfileStore, config_dir


def login(
    url: Annotated[str, typer.Option("--url", help="calgate (or Cal.com / gateway) base URL.")],
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="API key or OAuth access token (direct).")
    ] = None,
    gateway_key: Annotated[
        str | None, typer.Option("--gateway-key", help="Gateway key (gateway mode).")
    ] = None,
    connection: Annotated[
        str | None, typer.Option("--connection", help="Gateway connection id (default: oldest).")
    ] = None,
    control_url: Annotated[
        str | None, typer.Option("--control-url", help="Control API URL, if not the base URL.")
    ] = None,
    profile: Annotated[
        str, typer.Option("--profile", envvar="CALGATE_PROFILE", help="Name to store it under.")
    ] = DEFAULT_PROFILE,
) -> None:
    """Store a profile (in $XDG_CONFIG_HOME/calgate/, readable by you only) after checking it."""
    if bool(api_key) == bool(gateway_key):
        raise typer.BadParameter("give exactly one of --api-key and --gateway-key")
    if connection and not gateway_key:
        raise typer.BadParameter("--connection needs --gateway-key", param_hint="--connection")
    config = ClientConfig(
        base_url=url,
        api_key=api_key,
        gateway_key=gateway_key,
        connection=connection,
        control_url=control_url,
    )
    # Checked before saving: a typo should fail here, not in the next command.
    with api(config=config) as client:
        if config.gateway:
            n = len(client.connections.list())
            who = f"gateway key with {n} connection{'s' if n != 1 else ''}"
        else:
            me = client.me.get()
            who = f"{me.name or me.username} <{me.email}>"
    path = ProfileStore(config_dir()).save(profile, config)
    out.print(f"Logged in to {url} as {who}; saved profile {profile!r} in {path}")

"""What every people's command shares: options, the client, output, exit codes.

`--json` and `--tz` are options of each command (`calgate me --json`, TZ as the default);
`--profile` is each command's and also the root command's (`calgate --profile work me`,
declared by the executable in calgate.cli as CALGATE_PROFILE for the command that follows).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console

from calgate.client.config import ClientConfig, ConfigError
from calgate.client.errors import (
    ApiError,
    AuthenticationError,
    CalgateClientError,
    NotFound,
    PermissionDenied,
    ServerError,
    TransportError,
)
from calgate.client.sync_client import Client

EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_REFUSED = 5
EXIT_SERVER = 6

ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile", envvar="CALGATE_PROFILE", help="Stored profile to use (see `calgate login`)."
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print exactly the API's `data` as JSON, nothing else.")
]
TzOpt = Annotated[
    str | None,
    typer.Option("--tz", help="Your IANA time zone for showing and reading times (default: $TZ)."),
]

# soft_wrap: uids and URLs stay on one line, whatever the terminal width.
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def exit_code(error: CalgateClientError) -> int:
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, AuthenticationError | PermissionDenied):
        return EXIT_AUTH
    if isinstance(error, ServerError | TransportError):
        return EXIT_SERVER
    if isinstance(error, ApiError):
        return EXIT_SERVER if error.status_code >= 500 else EXIT_REFUSED
    return EXIT_USAGE  # ConfigError: not logged in, unknown profile


def _describe(error: CalgateClientError) -> str:
    text = str(error)
    if isinstance(error, ApiError):
        for reason in error.reasons:
            said = reason.get("message", reason) if isinstance(reason, dict) else reason
            text += f"\n  reason: {said}"
    if isinstance(error, ConfigError):
        text += (
            "\n  hint: `calgate login --url URL --api-key KEY`,"
            " or set CALGATE_URL and CALGATE_API_KEY"
        )
    return text


@contextmanager
def api(profile: str | None = None, *, config: ClientConfig | None = None) -> Iterator[Client]:
    """A client from the profile and environment (or `config`); API errors become messages
    on stderr and exit codes."""
    try:
        config = config or ClientConfig.from_env(profile=profile)
        if not config.token:
            raise ConfigError("no credentials: no API key or gateway key is configured")
        with Client(config=config) as client:
            yield client
    except CalgateClientError as error:
        err.print(f"[red]error:[/red] {_describe(error)}", markup=True)
        raise typer.Exit(exit_code(error)) from error


def emit(as_json: bool, data: Any, human: Callable[[], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        human()


def zone(name: str | None) -> ZoneInfo:
    """The caller's zone: --tz, else $TZ, else the system's, else UTC."""
    for candidate in (name, os.environ.get("TZ"), _system_zone()):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate.lstrip(":"))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            if candidate == name:
                raise typer.BadParameter(f"unknown time zone {name!r}", param_hint="--tz") from exc
    return ZoneInfo("UTC")


def _system_zone() -> str | None:
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return None
    marker = "/zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def parse_start(value: str, tz: ZoneInfo, param: str = "START") -> datetime:
    """An ISO date-time; without an offset it is read in the caller's zone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date-time like 2026-12-01T09:00", param_hint=param
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def local(moment: datetime | None, tz: ZoneInfo, fmt: str = "%a %d %b %Y %H:%M") -> str:
    return moment.astimezone(tz).strftime(fmt) if moment else ""


def resolve_event_type(client: Client, ref: str) -> int:
    """An event type given by id or by slug."""
    if ref.isdigit():
        return int(ref)
    for et in client.event_types.list():
        if et.slug == ref:
            return et.id
    err.print(f"[red]error:[/red] no event type with slug {ref!r}", markup=True)
    raise typer.Exit(EXIT_NOT_FOUND)

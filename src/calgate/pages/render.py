"""HTML rendering and the headers every booking page carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.responses import HTMLResponse

from calgate.core.timezones import zone

STATIC_PATH = "/_calgate/static"
STATIC_DIR = Path(__file__).parent / "static"

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def frame_ancestors(owner: Any) -> str:
    """'self' and the origins the page's owner allows (validated when they were saved)."""
    return " ".join(["'self'", *(getattr(owner, "embed_origins", None) or [])])


def headers(frame_ancestors: str = "'self'") -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        # Only our own script and stylesheet; avatars may be anywhere on https.
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' https: data:; form-action 'self'; base-uri 'none'; "
            f"object-src 'none'; frame-ancestors {frame_ancestors}"
        ),
    }


def page(template: str, status: int = 200, *, owner: Any = None, **context: Any) -> HTMLResponse:
    """A page; ``owner`` (the host whose page it is) decides who may frame it."""
    body = _templates.get_template(template).render(static=STATIC_PATH, owner=owner, **context)
    return HTMLResponse(body, status, headers=headers(frame_ancestors(owner)))


def clock(moment: datetime, tz: str, hour12: bool) -> str:
    local = moment.astimezone(zone(tz))
    if hour12:
        return f"{local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    return f"{local.hour:02d}:{local.minute:02d}"


def long_date(moment: datetime, tz: str) -> str:
    local = moment.astimezone(zone(tz))
    return f"{local:%A}, {local:%B} {local.day}, {local.year}"


def local_iso(moment: datetime, tz: str) -> str:
    """The instant as `GET /v2/slots` writes it for the same zone."""
    return moment.astimezone(zone(tz)).isoformat(timespec="milliseconds")

"""The outbound client for calendar servers: guarded, bounded, private targets opt-in."""

from __future__ import annotations

import httpx2

from calgate.config import Settings
from calgate.net.transport import guarded_client

ALLOW_PRIVATE_SETTING = "CALGATE_CALENDAR_ALLOW_PRIVATE"


def calendar_client(settings: Settings) -> httpx2.AsyncClient:
    timeout = settings.calendar_timeout
    return guarded_client(
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 3.0)),
        max_connections=8,
        allow_private=settings.calendar_allow_private,
        setting=ALLOW_PRIVATE_SETTING,
    )

"""ASGI entry points for uvicorn (``factory=True``).

`make_app` reads the settings from the environment (``uvicorn calgate.asgi:make_app``);
`AppFactory` carries settings resolved elsewhere (``calgate serve``) to each worker process.
It is pickled into spawned workers, so this module stays light: the app is imported only when
a worker builds it, after uvicorn's worker health check is already answering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from calgate.config import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from calgate.gateway.config import GatewaySettings


def make_app() -> FastAPI:
    from calgate.app import create_app

    return create_app(Settings.from_env())


@dataclass(frozen=True)
class AppFactory:
    settings: Settings
    gateway_settings: GatewaySettings | None = None

    def __call__(self) -> FastAPI:
        from calgate.app import create_app

        return create_app(self.settings, gateway_settings=self.gateway_settings)

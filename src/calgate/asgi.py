"""ASGI entry point for uvicorn (`factory=True`): settings come from the environment."""

from fastapi import FastAPI

from calgate.app import create_app
from calgate.config import Settings


def make_app() -> FastAPI:
    return create_app(Settings.from_env())

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from calgate.config import Settings
from calgate.store.db import Database


@dataclass
class AppState:
    settings: Settings
    db: Database


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.calgate
    return state


# The dependencies are coroutines on purpose: FastAPI runs a plain `def` dependency in its
# thread pool, a thread hop per request for what is an attribute lookup.
async def _state(request: Request) -> AppState:
    return get_state(request)


async def get_db(request: Request) -> Database:
    return get_state(request).db


State = Annotated[AppState, Depends(_state)]
Db = Annotated[Database, Depends(get_db)]

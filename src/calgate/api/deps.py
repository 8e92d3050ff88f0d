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


def get_db(request: Request) -> Database:
    return get_state(request).db


State = Annotated[AppState, Depends(get_state)]
Db = Annotated[Database, Depends(get_db)]

"""The runtime's request dependencies, under the names `/v2` routers import them by."""

from __future__ import annotations

from calgate.web.state import Db, State
from calgate.web.state import Runtime as AppState
from calgate.web.state import get_runtime as get_state

__all__ = ["AppState", "Db", "State", "get_state"]

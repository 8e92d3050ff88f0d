"""The booking pages' mounting: after every API and gateway route, so a username never
shadows them; a first path segment taken by such a route is never a profile."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles

from calgate.pages import booker, manage, private, render, teams
from calgate.pages.booker import ALWAYS_RESERVED, Reserved


def install(app: FastAPI) -> None:
    """Mount the static files and the pages; call after every other route is added."""
    Reserved.names = Reserved.names | ALWAYS_RESERVED | _first_segments(app.routes)
    app.mount(render.STATIC_PATH, StaticFiles(directory=render.STATIC_DIR), name="pages-static")
    # `/booking/...`, `/d/...`, `/team/...` before `/{username}/...`: a literal segment wins.
    app.include_router(manage.router)
    app.include_router(private.router)
    app.include_router(teams.router)
    app.include_router(booker.router)


def _first_segments(routes: Sequence[BaseRoute]) -> frozenset[str]:
    names = set()
    for route in routes:
        path = getattr(route, "path", "")
        head = path.strip("/").split("/", 1)[0]
        if head and not head.startswith("{"):
            names.add(head)
    return frozenset(names)

"""The authorization server's routes: the browser pages and the client endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.oauth import authorize, clients, endpoints, login

router = APIRouter()
router.include_router(authorize.router)
router.include_router(login.router)
router.include_router(endpoints.router)
router.include_router(clients.router)

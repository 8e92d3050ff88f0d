"""Browser side of a connection: the session link, the provider redirect and the callback.

The handlers parse the query, run one step of calgate.gateway.connect_flow and show its
outcome as a small page (or the redirect to the provider).
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from calgate.gateway import connect_flow as flow
from calgate.gateway.config import CALLBACK_PATH, CONNECT_PATH
from calgate.gateway.runtime import Gateway, get_gateway

router = APIRouter(include_in_schema=False)

GatewayDep = Annotated[Gateway, Depends(get_gateway)]
_Param = Annotated[str | None, Query(max_length=4096)]

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto;
       padding: 0 1rem; line-height: 1.5; color: #111; background: #fff; }}
h1 {{ font-size: 1.5rem; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p role="{role}">{message}</p>
</main>
</body>
</html>
"""


def page(title: str, message: str, status_code: int = 200) -> HTMLResponse:
    role = "status" if status_code < 400 else "alert"
    body = _PAGE.format(title=html.escape(title), message=html.escape(message), role=role)
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})


def show(notice: flow.Notice) -> HTMLResponse:
    return page(notice.title, notice.message, notice.status_code)


@router.get(CONNECT_PATH)
async def start(gateway: GatewayDep, session_token: _Param = None) -> Response:
    """Open a connection's link: consume the session token and go to the provider."""
    if not session_token:
        return page("Link incomplete", "This connection link has no session token.", 400)
    outcome = await flow.start(gateway, session_token)
    if isinstance(outcome, flow.Notice):
        return show(outcome)
    return RedirectResponse(outcome, status_code=302, headers={"Cache-Control": "no-store"})


@router.get(CALLBACK_PATH)
async def callback(
    gateway: GatewayDep,
    state: _Param = None,
    code: _Param = None,
    error: _Param = None,
    error_description: _Param = None,
) -> Response:
    """The provider's redirect back: exchange the code, store the tokens, show the result."""
    if not state:
        return page("Connection failed", "The provider's answer has no state.", 400)
    return show(await flow.callback(gateway, state, code, error, error_description))

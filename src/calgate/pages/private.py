"""The booker through a private link, `/d/{link}/{slug}`: the same picker and form as a host's
own page, with the link carried to the booking (which spends one of its uses). Mounted before
the `/{username}/...` pages, so `d` never reads as a username."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from calgate.errors import CalgateError
from calgate.pages.booker import book_page, form_page, link_target, picker_page
from calgate.pages.common import error_page
from calgate.web.state import State

router = APIRouter(prefix="/d/{link}/{slug}", include_in_schema=False)


@router.get("")
async def picker(
    request: Request,
    state: State,
    link: str,
    slug: str,
    month_: Annotated[str | None, Query(alias="month")] = None,
    date_: Annotated[str | None, Query(alias="date")] = None,
) -> Response:
    try:
        target = await link_target(state, link, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return await picker_page(request, state, target, month_, date_)


@router.get("/book")
async def booking_form(
    request: Request, state: State, link: str, slug: str, start: str | None = None
) -> Response:
    try:
        target = await link_target(state, link, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return form_page(request, state, target, start)


@router.post("/book")
async def book(request: Request, state: State, link: str, slug: str) -> Response:
    try:
        target = await link_target(state, link, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return await book_page(request, state, target)

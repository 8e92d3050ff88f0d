"""The booker through a private link, `/d/{link}/{slug}`: the same picker and form as a host's
own page, with the link carried to the booking (which spends one of its uses). Mounted before
the `/{username}/...` pages, so `d` never reads as a username."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from calgate.errors import CalgateError
from calgate.pages.booker import book_from_form, form_page, picker_page
from calgate.pages.common import Booker, error_page
from calgate.services import private_links
from calgate.web.state import State

router = APIRouter(prefix="/d/{link}/{slug}", include_in_schema=False)


async def _opened(state: State, link: str, slug: str) -> tuple[Booker, Any]:
    owner, et = await private_links.open_link(state.db, link, slug)
    return Booker.of_user(owner, link=link), et


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
        booker, et = await _opened(state, link, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return await picker_page(request, state, booker, et, month_, date_, None)


@router.get("/book")
async def booking_form(
    request: Request, state: State, link: str, slug: str, start: str | None = None
) -> Response:
    try:
        booker, et = await _opened(state, link, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return form_page(request, state, booker, et, start)


@router.post("/book")
async def book(request: Request, state: State, link: str, slug: str) -> Response:
    try:
        booker, et = await _opened(state, link, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return await book_from_form(request, state, booker, et)

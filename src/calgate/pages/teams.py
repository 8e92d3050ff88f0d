"""A team's pages: its profile and the booker of each of its event types.

The same slot picker and booking form as a user's pages (`booker`), reading the team event
type through the same services; a booking's confirmation, reschedule and cancel pages are the
ones every booking has (`manage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from calgate.errors import CalgateError
from calgate.pages import render
from calgate.pages.booker import book_from_form, form_page, picker_page
from calgate.pages.common import Booker, View, error_page
from calgate.services import public_teams
from calgate.services.public_teams import PublicTeam
from calgate.web.state import State

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class TeamFace:
    """What the pages show of a team where they show a user (name, picture, bio)."""

    name: str
    username: str
    avatar_url: str | None
    bio: str | None
    # Teams have no embed allow-list of their own: framed by calgate's own origin only.
    embed_origins: None = None


def _booker(found: PublicTeam) -> Booker:
    team = found.team
    face = TeamFace(team.name, team.slug or "", found.logo_url, team.bio)
    return Booker(face, f"/team/{team.slug}", team.time_zone, 12, team.week_start)


async def _team_event_type(state: State, team_slug: str, slug: str) -> tuple[PublicTeam, Any]:
    found = await public_teams.public_team(state.db, team_slug, slug)
    return found, found.event_types[0]


@router.get("/team/{team_slug}")
async def team_profile(request: Request, state: State, team_slug: str) -> Response:
    try:
        found = await public_teams.public_team(state.db, team_slug)
    except CalgateError as exc:
        return error_page(request, exc)
    booker = _booker(found)
    return render.page(
        "team.html",
        owner=booker.owner,
        found=found,
        booker=booker,
        view=View(request, booker.time_zone, booker.time_format),
    )


@router.get("/team/{team_slug}/{slug}")
async def team_picker(
    request: Request,
    state: State,
    team_slug: str,
    slug: str,
    month_: Annotated[str | None, Query(alias="month")] = None,
    date_: Annotated[str | None, Query(alias="date")] = None,
    reschedule_uid: Annotated[str | None, Query(alias="rescheduleUid")] = None,
) -> Response:
    try:
        found, et = await _team_event_type(state, team_slug, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return await picker_page(
        request,
        state,
        _booker(found),
        et,
        month_,
        date_,
        reschedule_uid,
        hosts=found.hosts.get(et.id, []),
        team_home=f"/team/{team_slug}" if found.members_bookable else None,
    )


@router.get("/team/{team_slug}/{slug}/book")
async def team_booking_form(
    request: Request, state: State, team_slug: str, slug: str, start: str | None = None
) -> Response:
    try:
        found, et = await _team_event_type(state, team_slug, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return form_page(request, state, _booker(found), et, start)


@router.post("/team/{team_slug}/{slug}/book")
async def team_book(request: Request, state: State, team_slug: str, slug: str) -> Response:
    try:
        found, et = await _team_event_type(state, team_slug, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return await book_from_form(request, state, _booker(found), et)

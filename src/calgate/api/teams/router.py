"""`/v2/teams`: teams, memberships and invitation links (version-neutral, as on Cal.com)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from calgate.api.auth import CurrentPrincipal
from calgate.api.bookings import query
from calgate.api.bookings.v2024_08_13 import Shapes as BookingShapes
from calgate.api.schedules.v2024_06_11 import ScheduleOutput_2024_06_11
from calgate.api.schema import PathId
from calgate.api.teams.schemas import (
    AcceptInviteInput,
    CreateMembershipInput,
    CreateTeamInput,
    InviteOutput,
    MembershipOutput,
    TeamOutput,
    UpdateMembershipInput,
    UpdateTeamInput,
)
from calgate.services import team_views, teams
from calgate.services.booking_queries import STATUS_FILTERS, BookingFilter
from calgate.web.envelope import ok
from calgate.web.state import Db, State

router = APIRouter(prefix="/v2/teams", tags=["Teams"])

Take = Annotated[int, Query(ge=1, le=250)]
Skip = Annotated[int, Query(ge=0, le=1_000_000)]


@router.post("/invitations/accept", summary="Accept a team invitation (calgate)")
async def accept_invite(
    body: AcceptInviteInput, principal: CurrentPrincipal, db: Db
) -> JSONResponse:
    view = await teams.accept_invite(db, principal.user.id, body.token)
    return ok(MembershipOutput.of(view))


@router.post("", status_code=201, summary="Create a team")
async def create_team(body: CreateTeamInput, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    team = await teams.create_team(
        db, principal.user.id, body.to_changes(), auto_accept=body.auto_accept_creator
    )
    return ok(TeamOutput.of(team), status_code=201)


@router.get("", summary="Get teams")
async def list_teams(principal: CurrentPrincipal, db: Db) -> JSONResponse:
    return ok([TeamOutput.of(t) for t in await teams.list_teams(db, principal.user.id)])


@router.get("/{team_id}", summary="Get a team")
async def get_team(team_id: PathId, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    return ok(TeamOutput.of(await teams.get_team(db, principal.user.id, team_id)))


@router.patch("/{team_id}", summary="Update a team")
async def update_team(
    team_id: PathId, body: UpdateTeamInput, principal: CurrentPrincipal, db: Db
) -> JSONResponse:
    team = await teams.update_team(db, principal.user.id, team_id, body.to_changes())
    return ok(TeamOutput.of(team))


@router.delete("/{team_id}", summary="Delete a team")
async def delete_team(team_id: PathId, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    return ok(TeamOutput.of(await teams.delete_team(db, principal.user.id, team_id)))


@router.post("/{team_id}/invite", summary="Create team invite link")
async def create_invite(
    team_id: PathId, principal: CurrentPrincipal, db: Db, state: State
) -> JSONResponse:
    invite = await teams.create_invite(db, principal.user.id, team_id)
    # The link names the endpoint that redeems it: a signed-in user POSTs the token there.
    link = (
        f"{state.settings.public_url.rstrip('/')}/v2/teams/invitations/accept?token={invite.token}"
    )
    return ok(InviteOutput(token=invite.token, invite_link=link))


@router.post("/{team_id}/memberships", status_code=201, summary="Create a membership")
async def create_membership(
    team_id: PathId, body: CreateMembershipInput, principal: CurrentPrincipal, db: Db
) -> JSONResponse:
    view = await teams.create_membership(
        db,
        principal.user.id,
        team_id,
        body.user_id,
        body.role,
        accepted=body.accepted,
        disable_impersonation=body.disable_impersonation,
    )
    return ok(MembershipOutput.of(view), status_code=201)


@router.get("/{team_id}/memberships", summary="Get all memberships")
async def list_memberships(
    team_id: PathId,
    principal: CurrentPrincipal,
    db: Db,
    take: Take = 250,
    skip: Skip = 0,
    emails: Annotated[list[str] | None, Query(max_length=100)] = None,
) -> JSONResponse:
    wanted = [e for item in emails or [] for e in item.split(",") if e.strip()]
    views = await teams.list_memberships(
        db, principal.user.id, team_id, emails=wanted or None, take=take, skip=skip
    )
    return ok([MembershipOutput.of(v) for v in views])


@router.get("/{team_id}/memberships/{membership_id}", summary="Get a membership")
async def get_membership(
    team_id: PathId, membership_id: PathId, principal: CurrentPrincipal, db: Db
) -> JSONResponse:
    view = await teams.get_membership(db, principal.user.id, team_id, membership_id)
    return ok(MembershipOutput.of(view))


@router.patch("/{team_id}/memberships/{membership_id}", summary="Update membership")
async def update_membership(
    team_id: PathId,
    membership_id: PathId,
    body: UpdateMembershipInput,
    principal: CurrentPrincipal,
    db: Db,
) -> JSONResponse:
    view = await teams.update_membership(
        db, principal.user.id, team_id, membership_id, body.to_changes()
    )
    return ok(MembershipOutput.of(view))


@router.delete("/{team_id}/memberships/{membership_id}", summary="Delete a membership")
async def delete_membership(
    team_id: PathId, membership_id: PathId, principal: CurrentPrincipal, db: Db
) -> JSONResponse:
    view = await teams.delete_membership(db, principal.user.id, team_id, membership_id)
    return ok(MembershipOutput.of(view))


@router.get("/{team_id}/schedules", summary="Get all team member schedules")
async def list_team_schedules(
    team_id: PathId, principal: CurrentPrincipal, db: Db, take: Take = 250, skip: Skip = 0
) -> JSONResponse:
    owned = await team_views.list_team_schedules(
        db, principal.user.id, team_id, take=take, skip=skip
    )
    return ok([ScheduleOutput_2024_06_11.of(o) for o in owned])


@router.get("/{team_id}/bookings", summary="Get team bookings")
async def list_team_bookings(
    team_id: PathId,
    principal: CurrentPrincipal,
    db: Db,
    status: Annotated[str | None, Query()] = None,
    attendee_email: Annotated[str | None, Query(alias="attendeeEmail", max_length=320)] = None,
    attendee_name: Annotated[str | None, Query(alias="attendeeName", max_length=255)] = None,
    booking_uid: Annotated[str | None, Query(alias="bookingUid", max_length=255)] = None,
    event_type_id: Annotated[str | None, Query(alias="eventTypeId")] = None,
    event_type_ids: Annotated[str | None, Query(alias="eventTypeIds")] = None,
    after_start: Annotated[str | None, Query(alias="afterStart")] = None,
    before_end: Annotated[str | None, Query(alias="beforeEnd")] = None,
    sort_start: Annotated[str | None, Query(alias="sortStart")] = None,
    sort_end: Annotated[str | None, Query(alias="sortEnd")] = None,
    sort_created: Annotated[str | None, Query(alias="sortCreated")] = None,
    take: Annotated[str | None, Query()] = None,
    skip: Annotated[str | None, Query()] = None,
) -> JSONResponse:
    sort = tuple(
        (name, d)
        for name, raw in (("start", sort_start), ("end", sort_end), ("created", sort_created))
        if (d := query.direction(f"sort{name.title()}", raw))
    )
    f = BookingFilter(
        statuses=query.choice_list("status", status, STATUS_FILTERS),
        attendee_email=attendee_email,
        attendee_name=attendee_name,
        booking_uid=booking_uid,
        event_type_ids=query.id_list("eventTypeIds", event_type_ids)
        + query.id_list("eventTypeId", event_type_id),
        after_start=query.moment("afterStart", after_start),
        before_end=query.moment("beforeEnd", before_end),
        sort=sort,
        take=query.number("take", take, minimum=1, maximum=250) or 100,
        skip=query.number("skip", skip, minimum=0, maximum=1_000_000) or 0,
    )
    views, total = await team_views.list_team_bookings(db, principal.user, team_id, f)
    data, extra = BookingShapes.many(views, total, f.skip, f.take)
    return ok(data, **extra)

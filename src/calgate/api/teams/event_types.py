"""`/v2/teams/{teamId}/event-types`: Cal.com's 2024-06-14 team event type shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from calgate.api.auth import CurrentPrincipal
from calgate.api.event_types.v2024_06_14 import (
    CreateEventTypeInput_2024_06_14,
    EventTypeOutput_2024_06_14,
    UpdateEventTypeInput_2024_06_14,
)
from calgate.api.schema import BodyId, Input, PathId
from calgate.errors import BadRequest
from calgate.services import team_event_types as service
from calgate.services.team_event_types import (
    HostSpec,
    SchedulingType,
    TeamEventTypeView,
    TeamHosting,
)
from calgate.services.teams import ASSIGN_ALL
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(prefix="/v2/teams/{team_id}/event-types", tags=["Teams / Event Types"])

PRIORITIES = {"lowest": 0, "low": 1, "medium": 2, "high": 3, "highest": 4}
PRIORITY_NAMES = {v: k for k, v in PRIORITIES.items()}
# The 2024-06-14 names, and Cal.com's stored upper-case names legacy clients send.
WIRE_TYPES: dict[str, SchedulingType] = {
    "collective": SchedulingType.COLLECTIVE,
    "roundRobin": SchedulingType.ROUND_ROBIN,
    "COLLECTIVE": SchedulingType.COLLECTIVE,
    "ROUND_ROBIN": SchedulingType.ROUND_ROBIN,
    "managed": SchedulingType.MANAGED,
    "MANAGED": SchedulingType.MANAGED,
}
TYPE_NAMES = {
    SchedulingType.COLLECTIVE: "collective",
    SchedulingType.ROUND_ROBIN: "roundRobin",
    SchedulingType.MANAGED: "managed",
}
WireType = Literal["collective", "roundRobin", "managed", "COLLECTIVE", "ROUND_ROBIN", "MANAGED"]


class HostInput(Input):
    user_id: BodyId
    mandatory: bool = False
    priority: Literal["lowest", "low", "medium", "high", "highest"] = "medium"
    weight: int = Field(100, ge=0, le=1000)

    def spec(self) -> HostSpec:
        return HostSpec(self.user_id, self.mandatory, PRIORITIES[self.priority], self.weight)


_TEAM_FIELDS = {
    "scheduling_type",
    "hosts",
    "assign_all_team_members",
    "reschedule_with_same_round_robin_host",
}


class _TeamFields:
    scheduling_type: WireType | None
    hosts: list[HostInput] | None
    assign_all_team_members: bool | None

    def given(self) -> set[str]:
        # The event-type fields only: hosting is translated by ``hosting``.
        return set(self.model_fields_set) - _TEAM_FIELDS  # type: ignore[attr-defined]

    def hosting(self) -> TeamHosting:
        sent = self.model_fields_set  # type: ignore[attr-defined]
        kind = None
        if self.scheduling_type is not None:
            if self.scheduling_type not in WIRE_TYPES:
                raise BadRequest("schedulingType: managed event types are not supported yet")
            kind = WIRE_TYPES[self.scheduling_type]
        hosts = tuple(h.spec() for h in self.hosts or ()) if "hosts" in sent else None
        assign_all = self.assign_all_team_members if "assign_all_team_members" in sent else None
        return TeamHosting(scheduling_type=kind, hosts=hosts, assign_all=assign_all)


class CreateTeamEventTypeInput(_TeamFields, CreateEventTypeInput_2024_06_14):
    scheduling_type: WireType | None = None
    hosts: list[HostInput] | None = Field(None, max_length=500)
    assign_all_team_members: bool | None = None
    reschedule_with_same_round_robin_host: bool | None = None


class UpdateTeamEventTypeInput(_TeamFields, UpdateEventTypeInput_2024_06_14):
    scheduling_type: WireType | None = None
    hosts: list[HostInput] | None = Field(None, max_length=500)
    assign_all_team_members: bool | None = None
    reschedule_with_same_round_robin_host: bool | None = None


def present(view: TeamEventTypeView, booker_url: str) -> dict[str, Any]:
    et, team = view.event_type, view.team
    # A team without a slug has no booking page to link to.
    hidden = {"users"} if team.slug else {"users", "booking_url"}
    shape = EventTypeOutput_2024_06_14.of(et, None, booker_url, team.slug).model_dump(
        mode="json", by_alias=True, exclude=hidden
    )
    settings = team.settings or {}
    shape.update(
        teamId=team.id,
        parentEventTypeId=None,
        schedulingType=TYPE_NAMES.get(SchedulingType(et.scheduling_type or "COLLECTIVE")),
        assignAllTeamMembers=bool((et.settings or {}).get(ASSIGN_ALL)),
        hosts=[
            {
                "userId": h.user_id,
                "name": view.users[h.user_id].name if h.user_id in view.users else None,
                "username": view.users[h.user_id].username if h.user_id in view.users else None,
                "avatarUrl": view.users[h.user_id].avatar_url if h.user_id in view.users else None,
                "mandatory": h.is_fixed,
                "priority": PRIORITY_NAMES.get(h.priority, "medium"),
                "weight": h.weight,
            }
            for h in et.hosts
        ],
        team={
            "id": team.id,
            "slug": team.slug,
            "bannerUrl": settings.get("bannerUrl"),
            "name": team.name,
            "logoUrl": settings.get("logoUrl"),
            "weekStart": team.week_start,
            "brandColor": settings.get("brandColor"),
            "darkBrandColor": settings.get("darkBrandColor"),
            "theme": settings.get("theme"),
        },
    )
    return shape


@router.post("", status_code=201, summary="Create an event type")
async def create_team_event_type(
    team_id: PathId, body: CreateTeamEventTypeInput, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    view = await service.create(
        state.db, principal.user.id, team_id, body.to_changes(), body.hosting()
    )
    return ok(present(view, state.settings.booker_url), status_code=201)


@router.get("", summary="Get a team event type")
async def list_team_event_types(
    team_id: PathId,
    principal: CurrentPrincipal,
    state: State,
    event_slug: Annotated[str | None, Query(alias="eventSlug", max_length=255)] = None,
) -> JSONResponse:
    views = await service.list_for_team(state.db, principal.user.id, team_id, event_slug)
    return ok([present(v, state.settings.booker_url) for v in views])


@router.get("/{event_type_id}", summary="Get an event type")
async def get_team_event_type(
    team_id: PathId, event_type_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    view = await service.get(state.db, principal.user.id, team_id, event_type_id)
    return ok(present(view, state.settings.booker_url))


@router.patch("/{event_type_id}", summary="Update a team event type")
async def update_team_event_type(
    team_id: PathId,
    event_type_id: PathId,
    body: UpdateTeamEventTypeInput,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    view = await service.update(
        state.db, principal.user.id, team_id, event_type_id, body.to_changes(), body.hosting()
    )
    return ok(present(view, state.settings.booker_url))


@router.delete("/{event_type_id}", summary="Delete a team event type")
async def delete_team_event_type(
    team_id: PathId, event_type_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    et = await service.delete(state.db, principal.user.id, team_id, event_type_id)
    return ok({"id": et.id, "lengthInMinutes": et.length, "title": et.title, "slug": et.slug})

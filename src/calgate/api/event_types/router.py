from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from calgate.api.auth import CurrentPrincipal, OptionalPrincipal
from calgate.api.event_types import legacy, v2024_06_14
from calgate.api.event_types.changes import ChangesInput
from calgate.api.event_types.item import EventTypeItem
from calgate.api.schema import PathId
from calgate.api.teams import dynamic
from calgate.api.versions import EVENT_TYPES, Versioned, body_schema, parse_body
from calgate.api.versions import Shapes as VersionShapes
from calgate.errors import Unauthorized
from calgate.services import event_types, team_dynamic
from calgate.services.scheduling_spec import parse_usernames
from calgate.store.models import EventType, User
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(prefix="/v2/event-types", tags=["Event Types"])


class EventTypeShapes(VersionShapes[EventTypeItem], Protocol):
    @property
    def Create(self) -> type[ChangesInput]: ...

    @property
    def Update(self) -> type[ChangesInput]: ...

    @staticmethod
    def many(ets: list[EventType], owner: User, booker_url: str) -> Any: ...

    @staticmethod
    def deleted(et: EventType) -> Any: ...


VERSIONS: Versioned[EventTypeShapes] = Versioned(
    EVENT_TYPES, legacy=legacy.Shapes(), current=v2024_06_14.Shapes()
)
Shapes = Annotated[EventTypeShapes, Depends(VERSIONS.dependency())]


@router.post(
    "",
    status_code=201,
    summary="Create an event type",
    openapi_extra=body_schema(
        legacy.CreateEventTypeInput_2024_04_15, v2024_06_14.CreateEventTypeInput_2024_06_14
    ),
)
async def create_event_type(
    request: Request, principal: CurrentPrincipal, shapes: Shapes, state: State
) -> JSONResponse:
    body = await parse_body(request, shapes.Create)
    et = await event_types.create_event_type(state.db, principal.user, body.to_changes())
    item = EventTypeItem(et, principal.user, state.settings.booker_url)
    return ok(shapes.one(item), status_code=201)


@router.get("", summary="Get all event types")
async def list_event_types(
    principal: OptionalPrincipal,
    shapes: Shapes,
    state: State,
    username: Annotated[
        str | None, Query(description="List this user's public event types")
    ] = None,
    event_slug: Annotated[str | None, Query(alias="eventSlug")] = None,
    usernames: Annotated[
        str | None, Query(description="A dynamic group's event type: usernames=alice,bob")
    ] = None,
) -> JSONResponse:
    if usernames is not None and username is None:
        group = await team_dynamic.dynamic_event_type(state.db, parse_usernames(usernames))
        many = shapes.many([group.event_type], group.users[0], state.settings.booker_url)
        return ok(dynamic.present(many, group, state.settings.booker_url))
    if username is not None:
        owner, ets = await event_types.list_public_event_types(state.db, username, event_slug)
    elif principal is not None:
        owner = principal.user
        ets = await event_types.list_event_types(state.db, owner, event_slug)
    else:
        raise Unauthorized("No Authorization header provided")
    return ok(shapes.many(ets, owner, state.settings.booker_url))


@router.get("/{event_type_id}", summary="Get an event type")
async def get_event_type(
    event_type_id: PathId, principal: CurrentPrincipal, shapes: Shapes, state: State
) -> JSONResponse:
    et = await event_types.get_event_type(state.db, principal.user.id, event_type_id)
    return ok(shapes.one(EventTypeItem(et, principal.user, state.settings.booker_url)))


@router.patch(
    "/{event_type_id}",
    summary="Update an event type",
    openapi_extra=body_schema(
        legacy.UpdateEventTypeInput_2024_04_15, v2024_06_14.UpdateEventTypeInput_2024_06_14
    ),
)
async def update_event_type(
    event_type_id: PathId,
    request: Request,
    principal: CurrentPrincipal,
    shapes: Shapes,
    state: State,
) -> JSONResponse:
    body = await parse_body(request, shapes.Update)
    et = await event_types.update_event_type(
        state.db, principal.user.id, event_type_id, body.to_changes()
    )
    return ok(shapes.one(EventTypeItem(et, principal.user, state.settings.booker_url)))


@router.delete("/{event_type_id}", summary="Delete an event type")
async def delete_event_type(
    event_type_id: PathId, principal: CurrentPrincipal, shapes: Shapes, state: State
) -> JSONResponse:
    et = await event_types.delete_event_type(state.db, principal.user.id, event_type_id)
    return ok(shapes.deleted(et))

"""`/v2/teams/{teamId}/event-types/{eventTypeId}/webhooks`: the event-type webhooks of a team
event type, for the team's admins and owners (the same service as personal ones)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import PathId
from calgate.api.versions import body_schema, parse_body
from calgate.api.webhooks.router import Skip, Take, sealer
from calgate.api.webhooks.schemas import (
    CreateWebhookInput,
    EventTypeWebhookOutput,
    UpdateWebhookInput,
)
from calgate.services import webhooks
from calgate.web.envelope import ok
from calgate.web.state import State
from calgate.webhooks.subscriptions import Owner

router = APIRouter(
    prefix="/v2/teams/{team_id}/event-types/{event_type_id}/webhooks",
    tags=["Teams / Event Types / Webhooks"],
)


def _owner(principal: CurrentPrincipal, team_id: int, event_type_id: int) -> Owner:
    return Owner(principal.user.id, event_type_id, team_id)


@router.post(
    "", status_code=201, summary="Create a webhook", openapi_extra=body_schema(CreateWebhookInput)
)
async def create_webhook(
    team_id: PathId,
    event_type_id: PathId,
    request: Request,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    body = await parse_body(request, CreateWebhookInput)
    hook = await webhooks.create_webhook(
        state.db, _owner(principal, team_id, event_type_id), body.to_spec(), sealer(state)
    )
    return ok(EventTypeWebhookOutput.of(hook), status_code=201)


@router.get("", summary="Get all webhooks")
async def list_webhooks(
    team_id: PathId,
    event_type_id: PathId,
    principal: CurrentPrincipal,
    state: State,
    take: Take = 250,
    skip: Skip = 0,
) -> JSONResponse:
    hooks = await webhooks.list_webhooks(
        state.db, _owner(principal, team_id, event_type_id), take=take, skip=skip
    )
    return ok([EventTypeWebhookOutput.of(h) for h in hooks])


@router.delete("", summary="Delete all webhooks")
async def delete_webhooks(
    team_id: PathId, event_type_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    count = await webhooks.delete_webhooks(state.db, _owner(principal, team_id, event_type_id))
    return ok(f"{count} webhooks deleted")


@router.get("/{webhook_id}", summary="Get a webhook")
async def get_webhook(
    team_id: PathId,
    event_type_id: PathId,
    webhook_id: PathId,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    owner = _owner(principal, team_id, event_type_id)
    return ok(EventTypeWebhookOutput.of(await webhooks.get_webhook(state.db, owner, webhook_id)))


@router.patch(
    "/{webhook_id}", summary="Update a webhook", openapi_extra=body_schema(UpdateWebhookInput)
)
async def update_webhook(
    team_id: PathId,
    event_type_id: PathId,
    webhook_id: PathId,
    request: Request,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    body = await parse_body(request, UpdateWebhookInput)
    hook = await webhooks.update_webhook(
        state.db,
        _owner(principal, team_id, event_type_id),
        webhook_id,
        body.to_patch(),
        sealer(state),
    )
    return ok(EventTypeWebhookOutput.of(hook))


@router.delete("/{webhook_id}", summary="Delete a webhook")
async def delete_webhook(
    team_id: PathId,
    event_type_id: PathId,
    webhook_id: PathId,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    owner = _owner(principal, team_id, event_type_id)
    return ok(EventTypeWebhookOutput.of(await webhooks.delete_webhook(state.db, owner, webhook_id)))

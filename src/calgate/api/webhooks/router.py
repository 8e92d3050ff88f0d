"""User-level webhooks (/v2/webhooks), event-type webhooks (/v2/event-types/{id}/webhooks)
and delivery history (/v2/webhooks/{id}/deliveries)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import PathId
from calgate.api.versions import body_schema, parse_body
from calgate.api.webhooks.schemas import (
    CreateWebhookInput,
    DeliveryOutput,
    EventTypeWebhookOutput,
    UpdateWebhookInput,
    UserWebhookOutput,
)
from calgate.errors import ServiceUnavailable
from calgate.security.crypto import Keyring
from calgate.services import webhooks
from calgate.web.envelope import ok
from calgate.web.state import State
from calgate.webhooks.subscriptions import Owner

router = APIRouter(prefix="/v2/webhooks", tags=["Webhooks"])
event_type_router = APIRouter(
    prefix="/v2/event-types/{event_type_id}/webhooks", tags=["Event Types / Webhooks"]
)

Take = Annotated[int, Query(ge=1, le=250, description="How many to return")]
Skip = Annotated[int, Query(ge=0, le=2_147_483_647, description="How many to skip")]
DeliveryStatus = Literal["pending", "delivered", "dead", "cancelled"]


def sealer(state: State) -> Keyring:
    """The keyring that seals signing secrets (webhooks.secret) at rest."""
    if state.keyring is None:
        raise ServiceUnavailable("storing webhooks needs CALGATE_SECRET_KEY")
    return state.keyring


# --- user-level ---------------------------------------------------------------------------


@router.post(
    "", status_code=201, summary="Create a webhook", openapi_extra=body_schema(CreateWebhookInput)
)
async def create_webhook(
    request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, CreateWebhookInput)
    hook = await webhooks.create_webhook(
        state.db, Owner(principal.user.id), body.to_spec(), sealer(state)
    )
    return ok(UserWebhookOutput.of(hook), status_code=201)


@router.get("", summary="Get all webhooks")
async def list_webhooks(
    principal: CurrentPrincipal, state: State, take: Take = 250, skip: Skip = 0
) -> JSONResponse:
    hooks = await webhooks.list_webhooks(state.db, Owner(principal.user.id), take=take, skip=skip)
    return ok([UserWebhookOutput.of(h) for h in hooks])


@router.get("/{webhook_id}", summary="Get a webhook")
async def get_webhook(
    webhook_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    hook = await webhooks.get_webhook(state.db, Owner(principal.user.id), webhook_id)
    return ok(UserWebhookOutput.of(hook))


@router.patch(
    "/{webhook_id}", summary="Update a webhook", openapi_extra=body_schema(UpdateWebhookInput)
)
async def update_webhook(
    webhook_id: PathId, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, UpdateWebhookInput)
    hook = await webhooks.update_webhook(
        state.db, Owner(principal.user.id), webhook_id, body.to_patch(), sealer(state)
    )
    return ok(UserWebhookOutput.of(hook))


@router.delete("/{webhook_id}", summary="Delete a webhook")
async def delete_webhook(
    webhook_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    hook = await webhooks.delete_webhook(state.db, Owner(principal.user.id), webhook_id)
    return ok(UserWebhookOutput.of(hook))


# --- delivery history (user-level and event-type webhooks alike) ----------------------------


@router.get("/{webhook_id}/deliveries", summary="List a webhook's deliveries and attempts")
async def list_deliveries(
    webhook_id: PathId,
    principal: CurrentPrincipal,
    state: State,
    take: Take = 100,
    skip: Skip = 0,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status")] = None,
) -> JSONResponse:
    rows = await webhooks.list_deliveries(
        state.db, principal.user.id, webhook_id, take=take, skip=skip, status=status
    )
    return ok([DeliveryOutput.of(d) for d in rows])


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    summary="Send a finished (dead, delivered or cancelled) delivery again",
)
async def retry_delivery(
    webhook_id: PathId, delivery_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    delivery = await webhooks.retry_delivery(state.db, principal.user.id, webhook_id, delivery_id)
    return ok(DeliveryOutput.of(delivery))


# --- event-type level -----------------------------------------------------------------------


def _et_owner(principal: CurrentPrincipal, event_type_id: int) -> Owner:
    return Owner(principal.user.id, event_type_id)


@event_type_router.post(
    "", status_code=201, summary="Create a webhook", openapi_extra=body_schema(CreateWebhookInput)
)
async def create_event_type_webhook(
    event_type_id: PathId, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, CreateWebhookInput)
    hook = await webhooks.create_webhook(
        state.db, _et_owner(principal, event_type_id), body.to_spec(), sealer(state)
    )
    return ok(EventTypeWebhookOutput.of(hook), status_code=201)


@event_type_router.get("", summary="Get all webhooks")
async def list_event_type_webhooks(
    event_type_id: PathId,
    principal: CurrentPrincipal,
    state: State,
    take: Take = 250,
    skip: Skip = 0,
) -> JSONResponse:
    hooks = await webhooks.list_webhooks(
        state.db, _et_owner(principal, event_type_id), take=take, skip=skip
    )
    return ok([EventTypeWebhookOutput.of(h) for h in hooks])


@event_type_router.delete("", summary="Delete all webhooks")
async def delete_event_type_webhooks(
    event_type_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    count = await webhooks.delete_webhooks(state.db, _et_owner(principal, event_type_id))
    return ok(f"{count} webhooks deleted")


@event_type_router.get("/{webhook_id}", summary="Get a webhook")
async def get_event_type_webhook(
    event_type_id: PathId, webhook_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    hook = await webhooks.get_webhook(state.db, _et_owner(principal, event_type_id), webhook_id)
    return ok(EventTypeWebhookOutput.of(hook))


@event_type_router.patch(
    "/{webhook_id}", summary="Update a webhook", openapi_extra=body_schema(UpdateWebhookInput)
)
async def update_event_type_webhook(
    event_type_id: PathId,
    webhook_id: PathId,
    request: Request,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    body = await parse_body(request, UpdateWebhookInput)
    hook = await webhooks.update_webhook(
        state.db,
        _et_owner(principal, event_type_id),
        webhook_id,
        body.to_patch(),
        sealer(state),
    )
    return ok(EventTypeWebhookOutput.of(hook))


@event_type_router.delete("/{webhook_id}", summary="Delete a webhook")
async def delete_event_type_webhook(
    event_type_id: PathId, webhook_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    hook = await webhooks.delete_webhook(state.db, _et_owner(principal, event_type_id), webhook_id)
    return ok(EventTypeWebhookOutput.of(hook))

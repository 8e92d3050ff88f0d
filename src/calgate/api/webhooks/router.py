"""User-level webhooks (/v2/webhooks), event-type webhooks (/v2/event-types/{id}/webhooks)
and delivery history (/v2/webhooks/{id}/deliveries). The webhook routes are
`routes.add_routes`'s."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import PathId
from calgate.api.webhooks.routes import Owned, Skip, Take, add_routes
from calgate.api.webhooks.schemas import DeliveryOutput, EventTypeWebhookOutput, UserWebhookOutput
from calgate.services import webhooks
from calgate.web.envelope import ok
from calgate.web.state import State
from calgate.webhooks.subscriptions import Owner

router = APIRouter(prefix="/v2/webhooks", tags=["Webhooks"])
event_type_router = APIRouter(
    prefix="/v2/event-types/{event_type_id}/webhooks", tags=["Event Types / Webhooks"]
)

DeliveryStatus = Literal["pending", "delivered", "dead", "cancelled"]


def _own(principal: CurrentPrincipal) -> Owner:
    return Owner(principal.user.id)


def _event_type(event_type_id: PathId, principal: CurrentPrincipal) -> Owner:
    return Owner(principal.user.id, event_type_id)


add_routes(router, _own, Owned("", UserWebhookOutput, delete_all=False))
add_routes(
    event_type_router, _event_type, Owned("event_type_", EventTypeWebhookOutput, delete_all=True)
)


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

"""`/v2/teams/{teamId}/event-types/{eventTypeId}/webhooks`: the event-type webhooks of a team
event type, for the team's admins and owners (the same service as personal ones). The routes
are `api.webhooks.routes.add_routes`'s."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import PathId
from calgate.api.webhooks.routes import Owned, add_routes
from calgate.api.webhooks.schemas import EventTypeWebhookOutput
from calgate.webhooks.subscriptions import Owner

router = APIRouter(
    prefix="/v2/teams/{team_id}/event-types/{event_type_id}/webhooks",
    tags=["Teams / Event Types / Webhooks"],
)


def _team_event_type(team_id: PathId, event_type_id: PathId, principal: CurrentPrincipal) -> Owner:
    return Owner(principal.user.id, event_type_id, team_id)


add_routes(router, _team_event_type, Owned("", EventTypeWebhookOutput, delete_all=True))

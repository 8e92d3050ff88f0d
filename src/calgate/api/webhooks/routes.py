"""The routes of one owner's webhooks (create, list, delete all, get, update, delete), written
once for every owner: a user's own, an event type's, a team event type's. Each owner's router
says only how its `Owner` is found (a dependency) and how its rows are presented.

No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations, and
those name the owner dependency each router is built with, which only this closure knows."""

from collections.abc import Callable
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from calgate.api.schema import PathId
from calgate.api.versions import body_schema, parse_body
from calgate.api.webhooks.schemas import (
    CreateWebhookInput,
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

Take = Annotated[int, Query(ge=1, le=250, description="How many to return")]
Skip = Annotated[int, Query(ge=0, le=2_147_483_647, description="How many to skip")]


def sealer(state: State) -> Keyring:
    """The keyring that seals signing secrets (webhooks.secret) at rest."""
    if state.keyring is None:
        raise ServiceUnavailable("storing webhooks needs CALGATE_SECRET_KEY")
    return state.keyring


class Owned(NamedTuple):
    """One owner's webhooks as the wire shows them."""

    # Stem of the endpoint names (`create_{name}webhook`, ...): the OpenAPI operation ids.
    name: str
    output: type[UserWebhookOutput] | type[EventTypeWebhookOutput]
    # Cal.com deletes all of an event type's webhooks at once, not all of a user's.
    delete_all: bool


def _webhook_id(webhook_id: PathId) -> int:
    return webhook_id


# A dependency, not a plain parameter: FastAPI lists an endpoint's own path parameters before its
# dependencies', and the document names the owner's (`team_id`, `event_type_id`) first.
WebhookId = Annotated[int, Depends(_webhook_id)]


def add_routes(router: APIRouter, owner_of: Callable[..., Owner], owned: Owned) -> None:
    """Add the webhook routes to `router`, the webhooks being `owner_of`'s (a dependency)."""
    owner_type = Annotated[Owner, Depends(owner_of)]
    present = owned.output.of

    async def create(request: Request, owner: owner_type, state: State) -> JSONResponse:
        body = await parse_body(request, CreateWebhookInput)
        hook = await webhooks.create_webhook(state.db, owner, body.to_spec(), sealer(state))
        return ok(present(hook), status_code=201)

    async def list_all(
        owner: owner_type, state: State, take: Take = 250, skip: Skip = 0
    ) -> JSONResponse:
        hooks = await webhooks.list_webhooks(state.db, owner, take=take, skip=skip)
        return ok([present(h) for h in hooks])

    async def delete_all(owner: owner_type, state: State) -> JSONResponse:
        count = await webhooks.delete_webhooks(state.db, owner)
        return ok(f"{count} webhooks deleted")

    async def get_one(owner: owner_type, webhook_id: WebhookId, state: State) -> JSONResponse:
        return ok(present(await webhooks.get_webhook(state.db, owner, webhook_id)))

    async def update(
        request: Request, owner: owner_type, webhook_id: WebhookId, state: State
    ) -> JSONResponse:
        body = await parse_body(request, UpdateWebhookInput)
        hook = await webhooks.update_webhook(
            state.db, owner, webhook_id, body.to_patch(), sealer(state)
        )
        return ok(present(hook))

    async def delete_one(owner: owner_type, webhook_id: WebhookId, state: State) -> JSONResponse:
        return ok(present(await webhooks.delete_webhook(state.db, owner, webhook_id)))

    def add(
        method: str, path: str, name: str, endpoint: Any, summary: str, body: Any = None
    ) -> None:
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            name=name,
            summary=summary,
            # The one POST creates a webhook.
            status_code=201 if method == "POST" else None,
            openapi_extra=body_schema(body) if body is not None else None,
        )

    # In the order the OpenAPI document lists them.
    n, one = owned.name, "/{webhook_id}"
    add("POST", "", f"create_{n}webhook", create, "Create a webhook", CreateWebhookInput)
    add("GET", "", f"list_{n}webhooks", list_all, "Get all webhooks")
    if owned.delete_all:
        add("DELETE", "", f"delete_{n}webhooks", delete_all, "Delete all webhooks")
    add("GET", one, f"get_{n}webhook", get_one, "Get a webhook")
    add("PATCH", one, f"update_{n}webhook", update, "Update a webhook", UpdateWebhookInput)
    add("DELETE", one, f"delete_{n}webhook", delete_one, "Delete a webhook")

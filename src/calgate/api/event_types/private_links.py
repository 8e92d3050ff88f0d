"""Event-type private links (`/v2/event-types/{eventTypeId}/private-links`), Cal.com's shapes:
a link with an expiry date is time-based, any other usage-based."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from calgate.api.auth import CurrentPrincipal
from calgate.api.bookings.common import UtcDateTime
from calgate.api.schema import Input, Name, Output, PathId, iso_z
from calgate.api.versions import body_schema, parse_body
from calgate.services import private_links
from calgate.services.private_links import LinkChanges, LinkView
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(
    prefix="/v2/event-types/{event_type_id}/private-links", tags=["Event Types Private Links"]
)

LinkId = Annotated[Name, Path(min_length=1)]
UsageCount = Annotated[int, Field(ge=1, le=1_000_000)]


class CreatePrivateLinkInput(Input):
    expires_at: UtcDateTime | None = None
    max_usage_count: UsageCount | None = None

    def changes(self) -> LinkChanges:
        return LinkChanges(self.expires_at, self.max_usage_count)


class UpdatePrivateLinkBody(CreatePrivateLinkInput):
    pass


class TimeBasedPrivateLinkOutput(Output):
    link_id: str
    event_type_id: int
    is_expired: bool
    booking_url: str
    expires_at: str


class UsageBasedPrivateLinkOutput(Output):
    link_id: str
    event_type_id: int
    is_expired: bool
    booking_url: str
    max_usage_count: int
    usage_count: int


def _present(view: LinkView, booker_url: str) -> Output:
    link = view.link
    common = {
        "link_id": link.link,
        "event_type_id": link.event_type_id,
        "is_expired": view.expired,
        "booking_url": f"{booker_url.rstrip('/')}/d/{link.link}/{view.slug}",
    }
    if link.expires_at is not None:
        return TimeBasedPrivateLinkOutput(**common, expires_at=iso_z(link.expires_at))
    return UsageBasedPrivateLinkOutput(
        **common, max_usage_count=link.max_usage_count or 0, usage_count=link.usage_count
    )


@router.post(
    "",
    status_code=201,
    summary="Create a private link for an event type",
    openapi_extra=body_schema(CreatePrivateLinkInput),
)
async def create_private_link(
    event_type_id: PathId, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, CreatePrivateLinkInput)
    view = await private_links.create_link(
        state.db, principal.user.id, event_type_id, body.changes()
    )
    return ok(_present(view, state.settings.booker_url), status_code=201)


@router.get("", summary="Get all private links for an event type")
async def list_private_links(
    event_type_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    views = await private_links.list_links(state.db, principal.user.id, event_type_id)
    return ok([_present(v, state.settings.booker_url) for v in views])


@router.patch(
    "/{link_id}",
    summary="Update a private link for an event type",
    openapi_extra=body_schema(UpdatePrivateLinkBody),
)
async def update_private_link(
    event_type_id: PathId,
    link_id: LinkId,
    request: Request,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    body = await parse_body(request, UpdatePrivateLinkBody)
    view = await private_links.update_link(
        state.db, principal.user.id, event_type_id, link_id, body.changes()
    )
    return ok(_present(view, state.settings.booker_url))


@router.delete("/{link_id}", summary="Delete a private link for an event type")
async def delete_private_link(
    event_type_id: PathId, link_id: LinkId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    deleted = await private_links.delete_link(state.db, principal.user.id, event_type_id, link_id)
    return ok({"linkId": deleted, "message": "Private link deleted successfully"})

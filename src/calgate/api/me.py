from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import EmailStr, Field

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import BodyId, Input, Metadata, Output, TimeZoneName, Url
from calgate.api.versions import body_schema, parse_body
from calgate.errors import BadRequest
from calgate.services import users
from calgate.services.users import ProfileChanges
from calgate.store.models import User
from calgate.web.envelope import ok
from calgate.web.state import Db

router = APIRouter(prefix="/v2/me", tags=["Me"])

WeekStart = Literal["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


class MeOutput(Output):
    id: int
    username: str
    email: str
    name: str | None
    avatar_url: str | None
    bio: str | None
    time_format: int
    default_schedule_id: int | None
    week_start: str
    time_zone: str
    organization_id: int | None = None

    @classmethod
    def of(cls, user: User) -> MeOutput:
        return cls(
            id=user.id,
            username=user.username,
            email=user.email,
            name=user.name,
            avatar_url=user.avatar_url,
            bio=user.bio,
            time_format=user.time_format,
            default_schedule_id=user.default_schedule_id,
            week_start=user.week_start,
            time_zone=user.time_zone,
        )


class UpdateMeInput(Input):
    email: EmailStr | None = None
    name: str | None = Field(None, max_length=255)
    time_format: Literal[12, 24] | None = None
    default_schedule_id: BodyId | None = None
    week_start: WeekStart | None = None
    time_zone: TimeZoneName | None = None
    locale: str | None = Field(None, max_length=16)
    avatar_url: Url | None = None
    bio: str | None = Field(None, max_length=10_000)
    # calgate extension: CSP frame-ancestors of the booking pages (default: same origin only).
    # Write-only, so that the profile keeps Cal.com's exact shape; the pages' header shows it.
    embed_origins: list[str] | None = Field(None, max_length=20)
    metadata: Metadata | None = None

    def to_changes(self) -> ProfileChanges:
        sent = {
            field: getattr(self, field)
            for field in self.given()
            if getattr(self, field) is not None or field in _NULLABLE
        }
        return ProfileChanges(**sent)


# Fields a client may clear with null; for the others null means "leave unchanged", as
# class-validator's @IsOptional treats it in Cal.com.
_NULLABLE = {"name", "locale", "avatar_url", "bio", "embed_origins"}


@router.get("", summary="Get my profile")
async def get_me(principal: CurrentPrincipal) -> JSONResponse:
    return ok(MeOutput.of(principal.user))


@router.patch("", summary="Update my profile", openapi_extra=body_schema(UpdateMeInput))
async def update_me(request: Request, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    if not (await request.body()).strip():
        # Cal.com answers a PATCH without a body 400, not an unchanged profile.
        raise BadRequest("Request body is required: send the profile fields to change")
    body = await parse_body(request, UpdateMeInput)
    user = await users.update_profile(db, principal.user.id, body.to_changes())
    return ok(MeOutput.of(user))

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import EmailStr, Field, field_validator

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import BodyId, Input, Output
from calgate.api.versions import body_schema, parse_body
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
    time_zone: str | None = None
    locale: str | None = Field(None, max_length=16)
    avatar_url: str | None = None
    bio: str | None = Field(None, max_length=10_000)
    metadata: dict[str, Any] | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata_limits(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # Cal.com's documented limits: at most 50 keys, keys up to 40 characters, values up to
        # 500 characters.
        if value is None:
            return value
        if len(value) > 50:
            raise ValueError("metadata must have at most 50 keys")
        for key, item in value.items():
            if len(key) > 40:
                raise ValueError("metadata keys must be at most 40 characters")
            if isinstance(item, dict | list):
                raise ValueError("metadata values must be strings, numbers or booleans")
            if isinstance(item, str) and len(item) > 500:
                raise ValueError("metadata values must be at most 500 characters")
        return value

    def to_changes(self) -> ProfileChanges:
        sent = {
            field: getattr(self, field)
            for field in self.given()
            if getattr(self, field) is not None or field in _NULLABLE
        }
        return ProfileChanges(**sent)


# Fields a client may clear with null; for the others null means "leave unchanged", as
# class-validator's @IsOptional treats it in Cal.com.
_NULLABLE = {"name", "locale", "avatar_url", "bio"}


@router.get("", summary="Get my profile")
async def get_me(principal: CurrentPrincipal) -> JSONResponse:
    return ok(MeOutput.of(principal.user))


@router.patch("", summary="Update my profile", openapi_extra=body_schema(UpdateMeInput))
async def update_me(request: Request, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    body = await parse_body(request, UpdateMeInput)
    user = await users.update_profile(db, principal.user.id, body.to_changes())
    return ok(MeOutput.of(user))

"""/v2/teams/{teamId}/verified-resources: a team's verified emails and phones, managed by its
admins and owners (Cal.com's TeamsVerifiedResourcesController). The same codes and limits as a
user's own list; rows carry the team's id."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import Output, PathId
from calgate.api.verified_resources.router import (
    RequestEmailInput,
    RequestPhoneInput,
    Skip,
    Take,
    VerifyEmailInput,
    VerifyPhoneInput,
    sender,
    sent,
)
from calgate.api.versions import body_schema, parse_body
from calgate.services import verified_resources as vr
from calgate.store.models import VerifiedEmail, VerifiedPhone
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(
    prefix="/v2/teams/{team_id}/verified-resources", tags=["Teams / Verified resources"]
)


class TeamVerifiedEmailOutput(Output):
    id: int
    email: str
    team_id: int
    user_id: int | None

    @classmethod
    def of(cls, row: VerifiedEmail) -> TeamVerifiedEmailOutput:
        return cls(id=row.id, email=row.email, team_id=row.team_id or 0, user_id=row.user_id)


class TeamVerifiedPhoneOutput(Output):
    id: int
    phone_number: str
    team_id: int
    user_id: int | None

    @classmethod
    def of(cls, row: VerifiedPhone) -> TeamVerifiedPhoneOutput:
        return cls(
            id=row.id, phone_number=row.phone_number, team_id=row.team_id or 0, user_id=row.user_id
        )


def _team(principal: CurrentPrincipal, team_id: int) -> vr.Owner:
    return vr.Owner(principal.user.id, team_id)


@router.post(
    "/emails/verification-code/request",
    summary="Request email verification code",
    openapi_extra=body_schema(RequestEmailInput),
)
async def request_email_code(
    team_id: PathId, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, RequestEmailInput)
    owner = _team(principal, team_id)
    await vr.request_code(state.db, sender(state.settings), owner, vr.Channel.EMAIL, body.email)
    return sent()


@router.post(
    "/phones/verification-code/request",
    summary="Request phone number verification code",
    openapi_extra=body_schema(RequestPhoneInput),
)
async def request_phone_code(
    team_id: PathId, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, RequestPhoneInput)
    owner = _team(principal, team_id)
    await vr.request_code(state.db, sender(state.settings), owner, vr.Channel.SMS, body.phone)
    return sent()


@router.post(
    "/emails/verification-code/verify",
    summary="Verify an email for a team",
    openapi_extra=body_schema(VerifyEmailInput),
)
async def verify_email(
    team_id: PathId, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, VerifyEmailInput)
    owner = _team(principal, team_id)
    row = await vr.verify_email(state.db, state.settings.secret_key, owner, body.email, body.code)
    return ok(TeamVerifiedEmailOutput.of(row))


@router.post(
    "/phones/verification-code/verify",
    summary="Verify a phone number for an org team",
    openapi_extra=body_schema(VerifyPhoneInput),
)
async def verify_phone(
    team_id: PathId, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, VerifyPhoneInput)
    owner = _team(principal, team_id)
    row = await vr.verify_phone(state.db, state.settings.secret_key, owner, body.phone, body.code)
    return ok(TeamVerifiedPhoneOutput.of(row))


@router.get("/emails", summary="Get list of verified emails of a team")
async def list_emails(
    team_id: PathId, principal: CurrentPrincipal, state: State, take: Take = 10, skip: Skip = 0
) -> JSONResponse:
    rows = await vr.list_emails(state.db, _team(principal, team_id), take=take, skip=skip)
    return ok([TeamVerifiedEmailOutput.of(r) for r in rows])


@router.get("/phones", summary="Get list of verified phone numbers of a team")
async def list_phones(
    team_id: PathId, principal: CurrentPrincipal, state: State, take: Take = 10, skip: Skip = 0
) -> JSONResponse:
    rows = await vr.list_phones(state.db, _team(principal, team_id), take=take, skip=skip)
    return ok([TeamVerifiedPhoneOutput.of(r) for r in rows])


@router.get("/emails/{id}", summary="Get verified email of a team by id")
async def get_email(
    team_id: PathId, id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    row = await vr.get_email(state.db, _team(principal, team_id), id)
    return ok(TeamVerifiedEmailOutput.of(row))


@router.get("/phones/{id}", summary="Get verified phone number of a team by id")
async def get_phone(
    team_id: PathId, id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    row = await vr.get_phone(state.db, _team(principal, team_id), id)
    return ok(TeamVerifiedPhoneOutput.of(row))

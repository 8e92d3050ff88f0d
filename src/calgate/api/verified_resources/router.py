"""/v2/verified-resources: request and check one-time codes; a user's verified emails and
phones (Cal.com's UserVerifiedResourcesController)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import EmailStr, Field

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import Input, Output, PathId
from calgate.api.versions import body_schema, parse_body
from calgate.config import Settings
from calgate.services import verified_resources as vr
from calgate.store.models import VerifiedEmail, VerifiedPhone
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(prefix="/v2/verified-resources", tags=["Verified resources"])

Take = Annotated[int, Query(ge=1, le=250, description="How many to return")]
Skip = Annotated[int, Query(ge=0, le=2_147_483_647, description="How many to skip")]
Code = Annotated[str, Field(min_length=1, max_length=16)]
Phone = Annotated[str, Field(min_length=1, max_length=32)]


class RequestEmailInput(Input):
    email: EmailStr


class RequestPhoneInput(Input):
    phone: Phone


class VerifyEmailInput(Input):
    email: EmailStr
    code: Code


class VerifyPhoneInput(Input):
    phone: Phone
    code: Code


class VerifiedEmailOutput(Output):
    id: int
    email: str
    user_id: int

    @classmethod
    def of(cls, row: VerifiedEmail) -> VerifiedEmailOutput:
        return cls(id=row.id, email=row.email, user_id=row.user_id)


class VerifiedPhoneOutput(Output):
    id: int
    phone_number: str
    user_id: int

    @classmethod
    def of(cls, row: VerifiedPhone) -> VerifiedPhoneOutput:
        return cls(id=row.id, phone_number=row.phone_number, user_id=row.user_id)


def sender(settings: Settings) -> vr.Sender:
    return vr.Sender(settings.secret_key, email=settings.sends_email, sms=settings.sends_sms)


def sent() -> JSONResponse:
    # RequestEmailVerificationOutput: a status and nothing else.
    return JSONResponse({"status": "success"})


@router.post(
    "/emails/verification-code/request",
    summary="Request email verification code",
    openapi_extra=body_schema(RequestEmailInput),
)
async def request_email_code(
    request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, RequestEmailInput)
    await vr.request_code(
        state.db, sender(state.settings), vr.Owner(principal.user.id), vr.Channel.EMAIL, body.email
    )
    return sent()


@router.post(
    "/phones/verification-code/request",
    summary="Request phone number verification code",
    openapi_extra=body_schema(RequestPhoneInput),
)
async def request_phone_code(
    request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, RequestPhoneInput)
    await vr.request_code(
        state.db, sender(state.settings), vr.Owner(principal.user.id), vr.Channel.SMS, body.phone
    )
    return sent()


@router.post(
    "/emails/verification-code/verify",
    summary="Verify an email",
    openapi_extra=body_schema(VerifyEmailInput),
)
async def verify_email(request: Request, principal: CurrentPrincipal, state: State) -> JSONResponse:
    body = await parse_body(request, VerifyEmailInput)
    row = await vr.verify_email(
        state.db, state.settings.secret_key, vr.Owner(principal.user.id), body.email, body.code
    )
    return ok(VerifiedEmailOutput.of(row))


@router.post(
    "/phones/verification-code/verify",
    summary="Verify a phone number",
    openapi_extra=body_schema(VerifyPhoneInput),
)
async def verify_phone(request: Request, principal: CurrentPrincipal, state: State) -> JSONResponse:
    body = await parse_body(request, VerifyPhoneInput)
    row = await vr.verify_phone(
        state.db, state.settings.secret_key, vr.Owner(principal.user.id), body.phone, body.code
    )
    return ok(VerifiedPhoneOutput.of(row))


@router.get("/emails", summary="Get list of verified emails")
async def list_emails(
    principal: CurrentPrincipal, state: State, take: Take = 10, skip: Skip = 0
) -> JSONResponse:
    rows = await vr.list_emails(state.db, vr.Owner(principal.user.id), take=take, skip=skip)
    return ok([VerifiedEmailOutput.of(r) for r in rows])


@router.get("/phones", summary="Get list of verified phone numbers")
async def list_phones(
    principal: CurrentPrincipal, state: State, take: Take = 10, skip: Skip = 0
) -> JSONResponse:
    rows = await vr.list_phones(state.db, vr.Owner(principal.user.id), take=take, skip=skip)
    return ok([VerifiedPhoneOutput.of(r) for r in rows])


@router.get("/emails/{id}", summary="Get verified email by id")
async def get_email(id: PathId, principal: CurrentPrincipal, state: State) -> JSONResponse:
    return ok(VerifiedEmailOutput.of(await vr.get_email(state.db, vr.Owner(principal.user.id), id)))


@router.get("/phones/{id}", summary="Get verified phone number by id")
async def get_phone(id: PathId, principal: CurrentPrincipal, state: State) -> JSONResponse:
    return ok(VerifiedPhoneOutput.of(await vr.get_phone(state.db, vr.Owner(principal.user.id), id)))
